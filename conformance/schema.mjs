// Schemas of the Backlog API v2 JSON entities, transcribed from
// shared/reference/backlog-api/entities.md (cross-checked with backlog-js
// 0.20.1 src/entity.ts), and a tiny validator.
//
// A schema is one of:
//   - a string naming a primitive type, with a trailing "?" for "or null":
//       "int" "number" "string" "bool" "timestamp" "date" "hex32" "any" "array" "object"
//   - a plain object: a JSON object whose every key must be present; a key
//     written "name?" may be absent (but is validated when present);
//   - a one-element array [s]: a JSON array whose elements all match s;
//   - a function (value, path, ctx) built by the helpers below.
//
// validate(schema, value) returns a list of problems {path, msg}; extra
// fields not named in an object schema are returned separately as warnings,
// because entities.md is not an exhaustive list of what Backlog sends.

export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
export const MIDNIGHT = /^\d{4}-\d\d-\d\dT00:00:00Z$/;
export const HEX32 = /^[0-9a-f]{32}$/;

const primitives = {
  int: (v) => typeof v === "number" && Number.isSafeInteger(v),
  number: (v) => typeof v === "number" && Number.isFinite(v),
  string: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  timestamp: (v) => typeof v === "string" && TIMESTAMP.test(v),
  // A calendar date: a timestamp at midnight UTC.
  date: (v) => typeof v === "string" && MIDNIGHT.test(v),
  hex32: (v) => typeof v === "string" && HEX32.test(v),
  any: (v) => v !== undefined,
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
  return typeof v;
}

/** Context collecting problems while walking a value. */
class Ctx {
  constructor() {
    this.errors = [];
    this.extras = [];
    this.seen = new Set();
  }
  // Paths of array elements are normalised to [*] so that one wrong field
  // repeated in 100 list elements is reported once, with its first index.
  fail(path, msg) {
    const key = path.replace(/\[\d+\]/g, "[*]") + " " + msg.replace(/ got .*/, "");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.errors.push({ path, msg });
  }
  extra(path) {
    const key = "extra " + path.replace(/\[\d+\]/g, "[*]");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.extras.push(path);
  }
}

function check(schema, v, path, ctx) {
  if (typeof schema === "string") {
    let name = schema;
    const nullable = name.endsWith("?");
    if (nullable) name = name.slice(0, -1);
    if (v === null && nullable) return;
    const ok = primitives[name];
    if (!ok) throw new Error(`schema: unknown type ${schema}`);
    if (v === undefined) return ctx.fail(path, `missing (want ${schema})`);
    if (!ok(v)) ctx.fail(path, `want ${schema}, got ${describe(v)}`);
    return;
  }
  if (typeof schema === "function") return schema(v, path, ctx);
  if (Array.isArray(schema)) {
    if (v === undefined) return ctx.fail(path, "missing (want array)");
    if (!Array.isArray(v)) return ctx.fail(path, `want array, got ${describe(v)}`);
    v.forEach((el, i) => check(schema[0], el, `${path}[${i}]`, ctx));
    return;
  }
  if (schema && typeof schema === "object") {
    if (v === undefined) return ctx.fail(path, "missing (want object)");
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      return ctx.fail(path, `want object, got ${describe(v)}`);
    }
    const known = new Set();
    for (const [rawKey, sub] of Object.entries(schema)) {
      const optional = rawKey.endsWith("?");
      const key = optional ? rawKey.slice(0, -1) : rawKey;
      known.add(key);
      if (!(key in v)) {
        if (!optional) ctx.fail(`${path}.${key}`, "missing field");
        continue;
      }
      check(sub, v[key], `${path}.${key}`, ctx);
    }
    for (const key of Object.keys(v)) {
      if (!known.has(key)) ctx.extra(`${path}.${key}`);
    }
    return;
  }
  throw new Error(`schema: bad schema at ${path}`);
}

/** validate returns {errors: [{path, msg}], extras: [path]}. */
export function validate(schema, value, root = "$") {
  const ctx = new Ctx();
  check(schema, value, root, ctx);
  return { errors: ctx.errors, extras: ctx.extras };
}

// ---- helpers -------------------------------------------------------------

/** nullable(s): null or s. */
export const nullable = (s) => (v, path, ctx) => {
  if (v === null) return;
  check(s, v, path, ctx);
};

/** oneOf(...values): one of the listed literal values. */
export const oneOf = (...values) => (v, path, ctx) => {
  if (v === undefined) return ctx.fail(path, `missing (want one of ${values.join(", ")})`);
  if (!values.includes(v)) ctx.fail(path, `want one of ${JSON.stringify(values)}, got ${describe(v)}`);
};

/** matches(re, base): a string matching re. */
export const matches = (re) => (v, path, ctx) => {
  if (v === undefined) return ctx.fail(path, `missing (want string matching ${re})`);
  if (typeof v !== "string" || !re.test(v)) ctx.fail(path, `want string matching ${re}, got ${describe(v)}`);
};

/** intRange(lo, hi): an integer in [lo, hi]. */
export const intRange = (lo, hi) => (v, path, ctx) => {
  if (v === undefined) return ctx.fail(path, `missing (want int ${lo}..${hi})`);
  if (!Number.isSafeInteger(v) || v < lo || v > hi) ctx.fail(path, `want int in ${lo}..${hi}, got ${describe(v)}`);
};

/** nonNegInt: an integer >= 0 (counts, sizes). */
export const nonNegInt = intRange(0, Number.MAX_SAFE_INTEGER);

/** lazy(() => s): for recursive schemas. */
export const lazy = (f) => (v, path, ctx) => check(f(), v, path, ctx);

/** all(...schemas): v must match every schema (e.g. an object plus a predicate). */
export const all = (...schemas) => (v, path, ctx) => schemas.forEach((s) => check(s, v, path, ctx));

/** pred(msg, f): v must satisfy f. */
export const pred = (msg, f) => (v, path, ctx) => {
  if (v !== undefined && !f(v)) ctx.fail(path, `${msg}, got ${describe(v)}`);
};

/** emptyArray: exactly []. */
export const emptyArray = (v, path, ctx) => {
  if (!Array.isArray(v)) return ctx.fail(path, `want [], got ${describe(v)}`);
  if (v.length !== 0) ctx.fail(path, `want [] (always empty in list responses), got ${v.length} elements`);
};

// ---- entities ------------------------------------------------------------

const ISSUE_TYPE_COLORS = ["#e30000", "#990000", "#934981", "#814fbc", "#2779ca", "#007e9a", "#7ea800", "#ff9200", "#ff3265", "#666665"];
const COLOR = /^#[0-9a-f]{6}$/;
const PROJECT_KEY = /^[A-Z][A-Z0-9_]*$/;

export const NulabAccount = { nulabId: "string", name: "string", uniqueId: "string", "iconUrl?": "string" };

export const User = {
  id: "int",
  userId: "string?",
  name: "string",
  roleType: intRange(1, 6),
  lang: nullable(oneOf("ja", "en")),
  nulabAccount: nullable(NulabAccount),
  mailAddress: "string",
  lastLoginTime: "timestamp?",
  // entities.md "User": keyword appears in document-related responses only.
  "keyword?": "string",
};

/** The lighter user embedded in document comments (DOC get-document-comment). */
export const LightUser = {
  id: "int",
  userId: "string?",
  uniqueId: "string?",
  name: "string",
  mailAddress: "string",
  roleType: intRange(1, 6),
  lang: nullable(oneOf("ja", "en")),
  icon: "any",
};

export const Space = {
  spaceKey: "string",
  name: "string",
  ownerId: "int",
  lang: oneOf("ja", "en"),
  timezone: matches(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/),
  reportSendTime: matches(/^\d\d:\d\d:\d\d$/),
  textFormattingRule: oneOf("backlog", "markdown"),
  created: "timestamp",
  updated: "timestamp",
};

// entities.md gives {content: string, updated: timestamp}; a space whose
// notification was never set is assumed to answer updated: null.
export const SpaceNotification = { content: "string", updated: "timestamp?" };

export const ProjectDiskUsage = {
  projectId: "int",
  issue: nonNegInt,
  wiki: nonNegInt,
  document: nonNegInt,
  file: nonNegInt,
  subversion: nonNegInt,
  git: nonNegInt,
  gitLFS: nonNegInt,
};

export const SpaceDiskUsage = {
  capacity: nonNegInt,
  issue: nonNegInt,
  wiki: nonNegInt,
  file: nonNegInt,
  subversion: nonNegInt,
  git: nonNegInt,
  gitLFS: nonNegInt,
  details: [ProjectDiskUsage],
};

export const Licence = Object.fromEntries([
  ...["active", "attribute", "burndown", "fileSharing", "gantt", "git", "nulabAccount", "parentChildIssue",
    "grandchildIssueEnabled", "postIssueByMail", "remoteAddress", "subversion", "subversionExternal",
    "wikiAttachment"].map((k) => [k, "bool"]),
  ...["attachmentLimit", "attachmentLimitPerFile", "attachmentNumLimit", "attributeLimit", "commentLimit",
    "componentLimit", "issueLimit", "licenceTypeId", "projectLimit", "pullRequestAttachmentLimitPerFile",
    "pullRequestAttachmentNumLimit", "remoteAddressLimit", "storageLimit", "userLimit", "versionLimit",
    "wikiAttachmentLimitPerFile", "wikiAttachmentNumLimit"].map((k) => [k, nonNegInt]),
  ["limitDate", "timestamp"],
  ["startedOn", "timestamp"],
]);

const RL = { limit: nonNegInt, remaining: nonNegInt, reset: nonNegInt };
export const RateLimit = { rateLimit: { read: RL, update: RL, search: RL, icon: RL } };

export const Count = { count: nonNegInt };

export const Team = {
  id: "int",
  name: "string",
  members: [User],
  displayOrder: "int?",
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
};

export const Project = {
  id: "int",
  projectKey: matches(PROJECT_KEY),
  name: "string",
  chartEnabled: "bool",
  useResolvedForChart: "bool",
  subtaskingEnabled: "bool",
  grandchildIssueEnabled: "bool",
  projectLeaderCanEditProjectLeader: "bool",
  useWiki: "bool",
  useDocument: "bool",
  useFileSharing: "bool",
  useWikiTreeView: "bool",
  useOriginalImageSizeAtWiki: "bool",
  useSubversion: "bool",
  useGit: "bool",
  useDevAttributes: "bool",
  textFormattingRule: oneOf("backlog", "markdown"),
  archived: "bool",
  displayOrder: "int",
};

export const IssueType = {
  id: "int",
  projectId: "int",
  name: "string",
  color: oneOf(...ISSUE_TYPE_COLORS),
  displayOrder: "int",
  templateSummary: "string?",
  templateDescription: "string?",
};

export const Category = { id: "int", projectId: "int", name: "string", displayOrder: "int" };

export const Version = {
  id: "int",
  projectId: "int",
  name: "string",
  description: "string?",
  startDate: "date?",
  releaseDueDate: "date?",
  archived: "bool",
  displayOrder: "int",
};

export const Status = { id: "int", projectId: "int", name: "string", color: matches(COLOR), displayOrder: "int" };

export const IDName = { id: "int", name: "string" };
export const Priority = { id: oneOf(2, 3, 4), name: "string" };
export const Resolution = { id: oneOf(0, 1, 2, 3, 4), name: "string" };

const ListItem = { id: "int", name: "string", displayOrder: "int" };

const CustomFieldBase = {
  id: "int",
  projectId: "int",
  typeId: intRange(1, 8),
  name: "string",
  description: "string",
  required: "bool",
  applicableIssueTypes: ["int"],
  useIssueType: "bool",
  displayOrder: "int",
  "version?": "int",
};

/** CustomField definition: common fields plus the ones of its typeId. */
export const CustomField = (v, path, ctx) => {
  if (!primitives.object(v)) return ctx.fail(path, `want object, got ${describe(v)}`);
  let extra = {};
  switch (v.typeId) {
    case 3:
      extra = { min: "number?", max: "number?", initialValue: "number?", unit: "string?" };
      break;
    case 4:
      extra = {
        min: "date?",
        max: "date?",
        initialDate: nullable({ id: "int", "shift?": "int?", "date?": "date?" }),
      };
      break;
    case 5:
    case 6:
      extra = { items: [ListItem], allowAddItem: "bool" };
      break;
    case 7:
    case 8:
      extra = { items: [ListItem], allowAddItem: "bool", allowInput: "bool" };
      break;
  }
  check({ ...CustomFieldBase, ...extra }, v, path, ctx);
};

/** A custom-field value inside issue.customFields[]: value's type follows fieldTypeId. */
export const CustomFieldValue = (v, path, ctx) => {
  if (!primitives.object(v)) return ctx.fail(path, `want object, got ${describe(v)}`);
  const base = { id: "int", fieldTypeId: intRange(1, 8), name: "string" };
  switch (v.fieldTypeId) {
    case 1:
    case 2:
      return check({ ...base, value: "string?" }, v, path, ctx);
    case 3:
      return check({ ...base, value: "number?" }, v, path, ctx);
    case 4:
      return check({ ...base, value: "date?" }, v, path, ctx);
    case 5:
      return check({ ...base, value: nullable(ListItem) }, v, path, ctx);
    case 6:
      return check({ ...base, value: [ListItem] }, v, path, ctx);
    case 7:
      return check({ ...base, value: [ListItem], otherValue: "string?" }, v, path, ctx);
    case 8:
      return check({ ...base, value: nullable(ListItem), otherValue: "string?" }, v, path, ctx);
    default:
      return check({ ...base, value: "any" }, v, path, ctx);
  }
};

export const Attachment = { id: "int", name: "string", size: nonNegInt, createdUser: User, created: "timestamp" };

/** Attachments embedded in issues: the DOC example shows only {id, name, size}. */
export const EmbeddedAttachment = {
  id: "int",
  name: "string",
  size: nonNegInt,
  "createdUser?": User,
  "created?": "timestamp",
};

export const UploadedFile = { id: "int", name: "string", size: nonNegInt };

export const SharedFile = {
  id: "int",
  projectId: "int",
  type: oneOf("file", "directory"),
  dir: matches(/^\/(.*\/)?$/),
  name: "string",
  size: nonNegInt,
  createdUser: User,
  created: "timestamp",
  updatedUser: nullable(User),
  updated: "timestamp?",
};

export const Star = {
  id: "int",
  comment: "string?",
  url: matches(/^https?:\/\/\S+$/),
  title: "string",
  presenter: User,
  created: "timestamp",
};

const ChildIssueSummary = { total: nonNegInt, closed: nonNegInt };

export const Issue = {
  id: "int",
  projectId: "int",
  issueKey: matches(/^[A-Z][A-Z0-9_]*-\d+$/),
  keyId: "int",
  issueType: IssueType,
  summary: "string",
  description: "string",
  resolution: nullable(Resolution),
  priority: Priority,
  status: Status,
  assignee: nullable(User),
  category: [Category],
  versions: [Version],
  milestone: [Version],
  startDate: "date?",
  dueDate: "date?",
  estimatedHours: "number?",
  actualHours: "number?",
  parentIssueId: "int?",
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
  customFields: [CustomFieldValue],
  attachments: [EmbeddedAttachment],
  sharedFiles: [SharedFile],
  // entities.md: seen in the related-issues example only (the DOC issue examples lack it).
  "externalFileLinks?": "array",
  stars: [Star],
  "childIssueSummary?": ChildIssueSummary,
};

/** issueKey must be <projectKey>-<keyId>. */
export const IssueKeyConsistent = pred("issueKey must end with -keyId", (v) =>
  v && typeof v.issueKey === "string" && v.issueKey.endsWith(`-${v.keyId}`));

export const IssueWithChildSummary = { ...Issue, childIssueSummary: ChildIssueSummary };

export const RelatedIssue = { ...Issue, type: oneOf("RELATES") };

export const CommentNotification = {
  id: "int",
  alreadyRead: "bool",
  reason: "int",
  user: User,
  resourceAlreadyRead: "bool",
};

const AttachmentInfo = (v, path, ctx) => {
  if (v === null) return;
  check({ id: "int", "name?": "string", "type?": "string" }, v, path, ctx);
};

export const ChangeLogEntry = {
  field: "string",
  newValue: "string?",
  originalValue: "string?",
  attachmentInfo: AttachmentInfo,
  attributeInfo: nullable({ id: "int", typeId: "int" }),
  notificationInfo: nullable({ type: "string" }),
};

export const Comment = {
  id: "int",
  projectId: "int",
  issueId: "int",
  content: "string?",
  changeLog: nullable([ChangeLogEntry]),
  createdUser: User,
  created: "timestamp",
  updated: "timestamp",
  stars: [Star],
  notifications: [CommentNotification],
};

export const WikiTag = { id: "int", name: "string" };

export const WikiListItem = {
  id: "int",
  projectId: "int",
  name: "string",
  tags: [WikiTag],
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
};

export const Wiki = {
  ...WikiListItem,
  content: "string",
  attachments: [Attachment],
  sharedFiles: [SharedFile],
  stars: [Star],
};

export const WikiHistory = {
  pageId: "int",
  version: "int",
  name: "string",
  content: "string",
  createdUser: User,
  created: "timestamp",
};

const jsonString = pred("want a string holding JSON", (v) => {
  if (typeof v !== "string") return false;
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
});

export const Document = {
  id: "hex32",
  projectId: "int",
  title: "string",
  plain: "string",
  json: jsonString,
  statusId: "int",
  emoji: "string?",
  attachments: [Attachment],
  tags: [WikiTag],
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
  "childDocumentIds?": ["hex32"],
};

/**
 * The answer of add-document and delete-document (DOC examples): user ids
 * instead of users, json as an object; json and plain are null after deletion.
 */
export const DocumentWritten = {
  id: "hex32",
  projectId: "int",
  title: "string",
  json: "object?",
  plain: "string?",
  statusId: "int",
  emoji: "string?",
  createdUserId: "int",
  created: "timestamp",
  updatedUserId: "int",
  updated: "timestamp",
};

const DocumentTreeNode = {
  id: "string",
  "name?": "string",
  children: [lazy(() => DocumentTreeNode)],
  "statusId?": "int",
  "emoji?": "string?",
  "emojiType?": "string?",
  "updated?": "timestamp",
};

export const DocumentTree = {
  projectId: "int",
  activeTree: { id: oneOf("Active"), children: [DocumentTreeNode] },
  trashTree: { id: oneOf("Trash"), children: [DocumentTreeNode] },
};

export const DocumentCommentReply = {
  id: "hex32",
  documentId: "hex32",
  commentId: "hex32",
  content: jsonString,
  plain: "string",
  createdUserId: "int",
  created: "timestamp",
  updatedUserId: "int",
  updated: "timestamp",
  createdUser: LightUser,
};

export const DocumentComment = {
  id: "hex32",
  documentId: "hex32",
  statusId: "int",
  content: jsonString,
  plain: "string",
  commentType: oneOf("comment"),
  createdUserId: "int",
  created: "timestamp",
  updatedUserId: "int",
  updated: "timestamp",
  createdUser: LightUser,
  replies: [DocumentCommentReply],
};

export const RepositorySnapshot = { id: "int", name: "string", description: "string" };

export const Repository = {
  id: "int",
  projectId: "int",
  name: "string",
  description: "string",
  hookUrl: "string?",
  httpUrl: matches(/^https?:\/\/\S+\.git$/),
  sshUrl: matches(/^\S+:\S+\.git$/),
  displayOrder: "int",
  pushedAt: "timestamp?",
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
};

const SHA = /^[0-9a-f]{40}$/;

/** PullRequest.issue: a full Issue (single GET), only {id} (lists), or null. */
const PullRequestIssue = (v, path, ctx) => {
  if (v === null) return;
  if (!primitives.object(v)) return ctx.fail(path, `want Issue, {id} or null, got ${describe(v)}`);
  if (Object.keys(v).length === 1) return check({ id: "int" }, v, path, ctx);
  check(Issue, v, path, ctx);
};

export const PullRequest = {
  id: "int",
  projectId: "int",
  repositoryId: "int",
  number: "int",
  summary: "string",
  description: "string",
  base: "string",
  branch: "string",
  status: { id: intRange(1, 4), name: "string" },
  assignee: nullable(User),
  issue: PullRequestIssue,
  baseCommit: nullable(matches(SHA)),
  branchCommit: nullable(matches(SHA)),
  mergeCommit: nullable(matches(SHA)),
  closeAt: "timestamp?",
  mergeAt: "timestamp?",
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
  attachments: [Attachment],
  stars: [Star],
};

export const PullRequestComment = {
  id: "int",
  content: "string",
  changeLog: nullable([{ field: "string", newValue: "string?", originalValue: "string?" }]),
  createdUser: User,
  created: "timestamp",
  updated: "timestamp",
  stars: [Star],
  notifications: [CommentNotification],
};

export const Watching = {
  id: "int",
  resourceAlreadyRead: "bool",
  note: "string?",
  type: oneOf("issue"),
  issue: Issue,
  lastContentUpdated: "timestamp?",
  created: "timestamp",
  updated: "timestamp",
};

export const Webhook = {
  id: "int",
  name: "string",
  description: "string",
  hookUrl: matches(/^https?:\/\/\S+$/),
  allEvent: "bool",
  activityTypeIds: ["int"],
  createdUser: User,
  created: "timestamp",
  updatedUser: User,
  updated: "timestamp",
};

export const Notification = {
  id: "int",
  alreadyRead: "bool",
  reason: oneOf(1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 17),
  resourceAlreadyRead: "bool",
  project: Project,
  issue: nullable(Issue),
  comment: nullable(Comment),
  repository: nullable(RepositorySnapshot),
  pullRequest: nullable(PullRequest),
  pullRequestComment: nullable(PullRequestComment),
  // Newer (BJS); the DOC get-notification example predates them.
  "document?": "object?",
  "documentComment?": "object?",
  "documentCommentReply?": "object?",
  sender: User,
  created: "timestamp",
};

export const RecentlyViewedIssue = { issue: Issue, updated: "timestamp" };
export const RecentlyViewedProject = { project: Project, updated: "timestamp" };
export const RecentlyViewedWiki = { page: WikiListItem, updated: "timestamp" };

// ---- activities ----------------------------------------------------------

const ActComment = { id: "int", content: "string?" };
const ActChange = { field: "string", new_value: "string?", old_value: "string?", type: "string", "field_text?": "string" };
const ActAttachment = { id: "int", name: "string", size: nonNegInt };
const ActSharedFile = { id: "int", dir: "string", name: "string", size: nonNegInt };
const ActLink = { id: "int", key_id: "int", title: "string" };

const IssueContent = {
  id: "int",
  key_id: "int",
  summary: "string",
  description: "string",
  comment: ActComment,
  changes: [ActChange],
  attachments: [ActAttachment],
  shared_files: [ActSharedFile],
  external_file_links: "array",
};

const PRContent = {
  id: "int",
  number: "int",
  summary: "string",
  description: "string",
  comment: nullable(ActComment),
  changes: [{ field: "string", new_value: "string?", old_value: "string?" }],
  issue: nullable({ id: "int", key_id: "int", "issue_key?": "string", summary: "string", description: "string" }),
  repository: RepositorySnapshot,
};

// B4J activity_wiki_created.json / _updated.json: diff and version are null.
const WikiContent = {
  id: "int",
  name: "string",
  content: "string",
  diff: "string?",
  version: "int?",
  attachments: [ActAttachment],
  shared_files: [ActSharedFile],
};

const MemberContent = {
  users: [User],
  group_project_activities: [{ id: "int", type: "int" }],
  comment: "string",
};

// entities.md gives no format for these dates: accept yyyy-MM-dd or a midnight timestamp.
const dateOrDay = (v, path, ctx) => {
  if (v === null) return;
  if (typeof v === "string" && (MIDNIGHT.test(v) || /^\d{4}-\d\d-\d\d$/.test(v))) return;
  ctx.fail(path, `want null, yyyy-MM-dd or a midnight timestamp, got ${describe(v)}`);
};

const VersionContent = {
  id: "int",
  name: "string",
  start_date: dateOrDay,
  reference_date: dateOrDay,
  description: "string?",
};

const DocContent = { id: "hex32", title: "string" };

/** Activity content shape per activity type (entities.md "Activity type codes"). */
export const activityContent = {
  1: { id: "int", key_id: "int", summary: "string", description: "string",
    "attachments?": [ActAttachment], "shared_files?": [ActSharedFile], "external_file_links?": "array" },
  2: IssueContent,
  3: IssueContent,
  4: { id: "int", key_id: "int" },
  5: WikiContent,
  6: WikiContent,
  7: { id: "int", name: "string", "content?": "string", "diff?": "string?", "version?": "int?",
    "attachments?": [ActAttachment], "shared_files?": [ActSharedFile] },
  8: ActSharedFile,
  9: ActSharedFile,
  10: ActSharedFile,
  11: { rev: "any", comment: "string" },
  12: { repository: RepositorySnapshot, change_type: "string", revision_type: "string", ref: "string",
    revision_count: "int", revisions: [{ rev: "string", comment: "string" }] },
  13: { repository: RepositorySnapshot },
  14: { tx_id: "int", comment: { content: "string?" }, link: [{ ...ActLink, comment: ActComment }],
    changes: [{ field: "string", new_value: "string?", type: "string" }] },
  15: MemberContent,
  16: MemberContent,
  17: { id: "int", key_id: "int", summary: "string", description: "string", comment: ActComment,
    "changes?": [ActChange], "attachments?": [ActAttachment], "shared_files?": [ActSharedFile],
    "external_file_links?": "array" },
  18: PRContent,
  19: PRContent,
  20: PRContent,
  21: { id: "int", number: "int", "summary?": "string", "description?": "string", "comment?": nullable(ActComment),
    "changes?": "array", "issue?": "object?", "repository?": RepositorySnapshot },
  22: VersionContent,
  23: { id: "int", name: "string", changes: [{ field: "string", new_value: "string?", old_value: "string?" }] },
  24: VersionContent,
  25: { parties: [{ id: "int", name: "string" }] },
  26: { parties: [{ id: "int", name: "string" }] },
  34: { deletedStatus: { name: "string" }, link: [ActLink],
    change: nullable({ field: "string", new_value: "string?", type: "string" }) },
  35: "object",
  36: DocContent, 37: DocContent, 38: DocContent, 39: DocContent, 40: DocContent, 41: DocContent,
  42: DocContent, 43: DocContent, 44: DocContent, 45: DocContent, 46: DocContent,
  47: { link: [ActLink] },
  48: { documents: [DocContent] },
  49: "object",
};

function activity(notifications) {
  return (v, path, ctx) => {
    if (!primitives.object(v)) return ctx.fail(path, `want object, got ${describe(v)}`);
    check({
      id: "int",
      project: Project,
      type: intRange(1, 49),
      content: "object",
      notifications,
      createdUser: User,
      created: "timestamp",
    }, v, path, ctx);
    const cs = activityContent[v.type];
    if (cs === undefined) {
      if (Number.isInteger(v.type)) ctx.fail(`${path}.type`, `activity type ${v.type} is undocumented (27–33 are unused)`);
      return;
    }
    if (primitives.object(v.content)) check(cs, v.content, `${path}.content`, ctx);
  };
}

/** Activity as returned by the three list endpoints: notifications is always []. */
export const Activity = activity(emptyArray);

/** Activity from GET /activities/:id: notifications is filled. */
export const SingleActivity = activity([{ id: "int", alreadyRead: "bool", reason: "int", user: User,
  "resourceAlreadyRead?": "bool" }]);

export const ErrorBody = { errors: [{ message: "string", code: intRange(1, 13), moreInfo: "string", "errorInfo?": "any" }] };

export const OAuthToken = {
  access_token: "string",
  token_type: oneOf("Bearer"),
  expires_in: oneOf(3600),
  refresh_token: "string",
};
