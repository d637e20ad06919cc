#!/usr/bin/env node
// Conformance suite: drives a Backlog API v2 server (normally the backlogsync
// emulator) with the official npm client backlog-js, unmodified, and checks
// that every response has the fields and JSON types of
// shared/reference/backlog-api/entities.md (schemas in schema.mjs).
//
// Environment:
//   BACKLOG_BASE_URL         http://127.0.0.1:PORT or https://host:PORT (required)
//   BACKLOG_API_KEY          an administrator's API key (required)
//   BACKLOG_MEMBER_API_KEY   a non-administrator's API key (member checks are
//                            reported as blocked without it)
//   BACKLOG_EMULATOR=1       also assert the emulator's documented choices for
//                            what Backlog leaves undocumented: minId/maxId are
//                            exclusive, issues default to sort=updated desc,
//                            X-RateLimit-* headers on every response
//   BACKLOG_WRITES=0         skip every write (for a real space)
//   BACKLOG_VERBOSE=1        list passing calls and warnings too
//
// backlog-js builds https:// URLs only; for a plain-HTTP server the custom
// fetch below rewrites the scheme (shared/reference/backlog-api/clients.md).
// For an https:// emulator with a self-signed certificate, point
// NODE_EXTRA_CA_CERTS at the certificate it wrote.
//
// Exit status: 0 when every call passed, 1 otherwise. Every failing call is
// listed with the JSON path of each problem.

import { Backlog, Error as BacklogErrors, OAuth2 } from "backlog-js";
import * as S from "./schema.mjs";

const env = process.env;
if (!env.BACKLOG_BASE_URL || !env.BACKLOG_API_KEY) {
  console.error("usage: BACKLOG_BASE_URL=http://127.0.0.1:8787 BACKLOG_API_KEY=... [BACKLOG_MEMBER_API_KEY=...] node run.mjs");
  process.exit(2);
}
const base = new URL(env.BACKLOG_BASE_URL);
const host = base.host;
const plainHTTP = base.protocol === "http:";
const emulator = env.BACKLOG_EMULATOR === "1";
const writes = env.BACKLOG_WRITES !== "0";
const verbose = env.BACKLOG_VERBOSE === "1";

// ---- transport: scheme rewrite + response capture --------------------------

/** Responses seen during the current step: {method, url, status, headers}. */
let seen = [];

function rewrite(u) {
  const s = String(u);
  return plainHTTP ? s.replace(/^https:/, "http:") : s;
}

const capturingFetch = async (u, init = {}) => {
  const url = rewrite(u);
  const res = await fetch(url, init);
  const rec = { method: init.method || "GET", url, status: res.status, headers: res.headers, unrouted: false };
  if (res.status === 404) {
    // The emulator answers routes it does not implement with "No such API".
    rec.unrouted = /No such API/.test(await res.clone().text());
  }
  seen.push(rec);
  return res;
};

function client(apiKey) {
  return new Backlog({ host, apiKey, fetch: capturingFetch });
}

const admin = client(env.BACKLOG_API_KEY);
const member = env.BACKLOG_MEMBER_API_KEY ? client(env.BACKLOG_MEMBER_API_KEY) : null;

// ---- results -------------------------------------------------------------

class Blocked extends Error {}

const results = [];
let cur = null;

/** step runs one named check; it returns fn's value, or undefined on failure. */
async function step(name, fn, { download = false } = {}) {
  const r = { name, status: "pass", problems: [], warnings: [] };
  results.push(r);
  cur = r;
  seen = [];
  let value;
  try {
    value = await fn();
  } catch (e) {
    if (e instanceof Blocked) {
      r.status = "blocked";
      r.problems.push(e.message);
    } else {
      r.problems.push(`threw ${fmtErr(e)}`);
      r.threw = true;
    }
    value = undefined;
  }
  checkHeaders(r, download);
  if (r.status !== "blocked" && r.problems.length > 0) r.status = "fail";
  cur = null;
  return value;
}

/** checkHeaders asserts Content-Type and rate-limit headers of the step's responses. */
function checkHeaders(r, download) {
  for (const s of seen) {
    const path = new URL(s.url).pathname;
    if (!path.startsWith("/api/v2/") || s.status === 204) continue;
    if (s.unrouted) {
      r.problems.push(`${s.method} ${path}: endpoint not implemented ("No such API")`);
      continue;
    }
    if (r.threw && s.status >= 400) continue; // the unexpected error is already reported
    if (s.status === 401 && s.headers.get("www-authenticate")) continue; // OAuth failures carry no body
    const ct = s.headers.get("content-type");
    const expectJSON = !download || s.status >= 400;
    if (expectJSON && ct !== "application/json;charset=utf-8") {
      r.problems.push(`${s.method} ${path} → ${s.status}: Content-Type ${JSON.stringify(ct)}, want "application/json;charset=utf-8"`);
    }
    if (emulator && s.status !== 401 && !path.startsWith("/api/v2/oauth2/")) {
      for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) {
        const v = s.headers.get(h);
        if (v === null || !/^\d+$/.test(v)) {
          r.problems.push(`${s.method} ${path} → ${s.status}: header ${h} = ${JSON.stringify(v)}, want an integer`);
        }
      }
    }
  }
}

function fmtErr(e) {
  if (e instanceof BacklogErrors.BacklogError) {
    const p = (() => {
      try {
        const u = new URL(e.url);
        return u.pathname + u.search;
      } catch {
        return e.url;
      }
    })();
    return `${e.name} ${e.status} on ${p}: ${JSON.stringify(e.body)}`;
  }
  return e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e);
}

function problem(msg) {
  cur.problems.push(msg);
}

function expect(cond, msg) {
  if (!cond) problem(msg);
  return !!cond;
}

function warn(msg) {
  cur.warnings.push(msg);
}

/** need throws Blocked when an earlier call did not produce v. */
function need(v, what) {
  if (v === undefined || v === null) throw new Blocked(`blocked: needs ${what}, which an earlier call did not provide`);
  return v;
}

/** shape validates v against schema and records the problems; it returns v. */
function shape(v, schema, root = "$") {
  const { errors, extras } = S.validate(schema, v, root);
  for (const e of errors) problem(`${e.path}: ${e.msg}`);
  for (const x of extras) warn(`${x}: field not in entities.md`);
  return v;
}

/** list validates a bare JSON array and each element. */
function list(v, schema, { nonEmpty = false, what = "elements" } = {}) {
  if (!Array.isArray(v)) {
    problem(`$: want a bare JSON array, got ${v === null ? "null" : typeof v}`);
    return v;
  }
  if (v.length === 0) {
    if (nonEmpty) problem(`$: empty list; the seeded space should hold ${what} here, so the element shape could not be checked`);
    else warn(`empty list: element shape not checked`);
  }
  shape(v, [schema]);
  return v;
}

function count(v) {
  shape(v, S.Count);
  return v && v.count;
}

async function expectError(fn, { cls = "BacklogApiError", status, code }) {
  try {
    const v = await fn();
    problem(`succeeded with ${JSON.stringify(v)?.slice(0, 200)}; want ${cls} ${status} code ${code}`);
    return undefined;
  } catch (e) {
    if (!(e instanceof BacklogErrors.BacklogError)) {
      problem(`threw ${fmtErr(e)}; want ${cls} ${status} code ${code}`);
      return undefined;
    }
    expect(e.name === cls && e instanceof BacklogErrors[cls], `error class ${e.name}, want ${cls}`);
    expect(e.status === status, `HTTP status ${e.status}, want ${status}`);
    shape(e.body, S.ErrorBody, "$error");
    const got = e.body && e.body.errors && e.body.errors[0] && e.body.errors[0].code;
    expect(got === code, `errors[0].code ${got}, want ${code}`);
    return e;
  }
}

async function download(fn) {
  const f = await fn();
  shape(f, { body: "any", url: "string", filename: "string", contentType: "string" });
  expect(f && f.filename && f.filename.length > 0, `download has no filename (Content-Disposition)`);
  if (f && f.body) {
    const bytes = new Uint8Array(await new Response(f.body).arrayBuffer());
    expect(bytes.length > 0, `download body is empty`);
  }
  return f;
}

/** activityExists waits for nothing: it reads the project's activities of one type. */
async function expectActivity(projectKey, type, match, label) {
  const acts = await admin.getProjectActivities(projectKey, { activityTypeId: [type], count: 20 });
  list(acts, S.Activity);
  expect(Array.isArray(acts) && acts.every((a) => a.type === type),
    `activityTypeId[]=${type} filter returned other types: ${Array.isArray(acts) ? [...new Set(acts.map((a) => a.type))] : acts}`);
  const hit = Array.isArray(acts) && acts.find((a) => a.type === type && match(a.content || {}));
  expect(hit, `no activity of type ${type} for ${label} in project ${projectKey}'s recent activities`);
  return hit;
}

const ids = (xs) => (Array.isArray(xs) ? xs.map((x) => x.id) : []);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const today = new Date().toISOString().slice(0, 10);
const tag = Date.now().toString(36);

/**
 * someList looks through the projects for one where fn returns a non-empty
 * list and validates it; when every project's list is empty it validates the
 * main project's (empty) list, failing when nonEmpty. It returns {item, list}.
 */
async function someList(fn, schema, what, opts = {}) {
  const main = need(P, "a project");
  return someListIn([main, ...(allProjects || []).filter((p) => p.id !== main.id)], fn, schema, what, opts);
}

/** someListIn is someList over any items (the first one is the fallback). */
async function someListIn(items, fn, schema, what, { nonEmpty = true } = {}) {
  const r = await firstNonEmpty(items, fn);
  if (r.list) {
    list(r.list, schema);
    return r;
  }
  const v = await fn(items[0]); // throws the endpoint's error, if any
  list(v, schema, { nonEmpty, what });
  return { item: items[0], list: v };
}

async function firstNonEmpty(items, fn) {
  for (const it of items) {
    try {
      const xs = await fn(it);
      if (Array.isArray(xs) && xs.length > 0) return { item: it, list: xs };
    } catch {
      // ignore: this one is checked by its own step
    }
  }
  return { item: undefined, list: undefined };
}

// ============================================================================
// 1. Space, users, teams
// ============================================================================

const space = await step("getSpace", async () => shape(await admin.getSpace(), S.Space));
await step("getLicence", async () => shape(await admin.getLicence(), S.Licence));
await step("getSpaceDiskUsage", async () => shape(await admin.getSpaceDiskUsage(), S.SpaceDiskUsage));
await step("getSpaceNotification", async () => shape(await admin.getSpaceNotification(), S.SpaceNotification));
await step("getSpaceIcon", () => download(() => admin.getSpaceIcon()), { download: true });
await step("getPriorities", async () => {
  const v = list(await admin.getPriorities(), S.Priority, { nonEmpty: true, what: "priorities" });
  expect(same(ids(v), [2, 3, 4]), `priority ids ${JSON.stringify(ids(v))}, want [2,3,4]`);
});
await step("getResolutions", async () => {
  const v = list(await admin.getResolutions(), S.Resolution, { nonEmpty: true, what: "resolutions" });
  expect(same(ids(v), [0, 1, 2, 3, 4]), `resolution ids ${JSON.stringify(ids(v))}, want [0,1,2,3,4]`);
});
await step("getRateLimit", async () => {
  const v = shape(await admin.getRateLimit(), S.RateLimit);
  if (emulator && v && v.rateLimit) {
    const rl = v.rateLimit;
    for (const k of ["read", "update", "search", "icon"]) {
      expect(rl[k] && rl[k].remaining <= rl[k].limit, `rateLimit.${k}.remaining > limit`);
    }
  }
});

const myself = await step("getMyself", async () => {
  const me = shape(await admin.getMyself(), S.User);
  expect(me && me.roleType === 1, `the admin key's user has roleType ${me && me.roleType}, want 1`);
  return me;
});
const users = await step("getUsers", async () => list(await admin.getUsers(), S.User, { nonEmpty: true, what: "users" }));
await step("getUser", async () => {
  const id = need(myself, "getMyself").id;
  const u = shape(await admin.getUser(id), S.User);
  expect(u && u.id === id, `getUser(${id}) returned id ${u && u.id}`);
});
await step("getUserIcon", () => download(() => admin.getUserIcon(need(myself, "getMyself").id)), { download: true });

const memberSelf = await step("getMyself (member)", async () => {
  const me = shape(await need(member, "BACKLOG_MEMBER_API_KEY").getMyself(), S.User);
  expect(me && me.roleType !== 1, `the member key's user is an administrator`);
  return me;
});

const teams = await step("getTeams", async () => {
  const v = list(await admin.getTeams({ count: 100 }), S.Team, { nonEmpty: true, what: "teams" });
  const v2 = await admin.getTeams({ count: 1, offset: 0 });
  expect(Array.isArray(v2) && v2.length === Math.min(1, v.length), `getTeams({count:1}) returned ${v2 && v2.length} teams`);
  return v;
});
await step("getTeam", async () => {
  const t = need(teams && teams[0], "a team from getTeams");
  const v = shape(await admin.getTeam(t.id), S.Team);
  expect(v && v.id === t.id, `getTeam(${t.id}) returned id ${v && v.id}`);
});
await step("getTeamIcon", () => download(() => admin.getTeamIcon(need(teams && teams[0], "a team").id)), { download: true });

// ============================================================================
// 2. Projects and their metadata
// ============================================================================

const allProjects = await step("getProjects({all:true})", async () =>
  list(await admin.getProjects({ all: true }), S.Project, { nonEmpty: true, what: "projects" }));
await step("getProjects()", async () => {
  const v = list(await admin.getProjects(), S.Project);
  const all = new Set(ids(allProjects));
  expect(ids(v).every((id) => all.has(id)), `joined projects are not a subset of all=true`);
});
await step("getProjects({archived:false})", async () => {
  const v = list(await admin.getProjects({ archived: false, all: true }), S.Project);
  expect(Array.isArray(v) && v.every((p) => p.archived === false), `archived=false returned an archived project`);
});

const memberProjects = await step("getProjects() (member)", async () => {
  const v = list(await need(member, "BACKLOG_MEMBER_API_KEY").getProjects(), S.Project, { nonEmpty: true, what: "the member's joined projects" });
  const all = new Set(ids(allProjects));
  expect(ids(v).every((id) => all.has(id)), `member sees projects missing from admin's all=true list`);
  return v;
});

// The main project: one the member has joined (so member-side checks see it).
const P = (memberProjects && memberProjects[0]) || (allProjects && allProjects[0]);
const PK = P && P.projectKey;

await step("getProject (by key and by id)", async () => {
  need(P, "a project");
  const a = shape(await admin.getProject(PK), S.Project);
  const b = shape(await admin.getProject(P.id), S.Project);
  expect(same(a, b), `getProject(key) and getProject(id) differ`);
});
await step("getProjectIcon", () => download(() => admin.getProjectIcon(need(PK, "a project"))), { download: true });
const projectUsers = await step("getProjectUsers", async () =>
  list(await admin.getProjectUsers(need(PK, "a project")), S.User, { nonEmpty: true, what: "project members" }));
await step("getProjectAdministrators", async () => list(await admin.getProjectAdministrators(need(PK, "a project")), S.User));
await step("getProjectTeams", async () => {
  await someList((p) => admin.getProjectTeams(p.projectKey), S.Team, "project teams (in some project)");
});
await step("getProjectActivities", async () => {
  const v = list(await admin.getProjectActivities(need(PK, "a project"), { count: 100 }), S.Activity, { nonEmpty: true, what: "activities" });
  expect(Array.isArray(v) && v.every((a) => a.project && a.project.id === P.id), `an activity of another project`);
});
const issueTypes = await step("getIssueTypes", async () =>
  list(await admin.getIssueTypes(need(PK, "a project")), S.IssueType, { nonEmpty: true, what: "issue types" }));
const categories = await step("getCategories", async () => {
  await someList((p) => admin.getCategories(p.projectKey), S.Category, "categories (in some project)");
  return await admin.getCategories(PK);
});
const versions = await step("getVersions", async () => {
  await someList((p) => admin.getVersions(p.projectKey), S.Version, "versions (in some project)");
  return await admin.getVersions(PK);
});
await step("getProjectStatuses", async () => {
  const v = list(await admin.getProjectStatuses(need(PK, "a project")), S.Status, { nonEmpty: true, what: "statuses" });
  const got = new Set(ids(v));
  expect([1, 2, 3, 4].every((id) => got.has(id)), `built-in statuses 1–4 missing: ${JSON.stringify(ids(v))}`);
  expect(Array.isArray(v) && v.every((s) => s.projectId === P.id), `a status with another projectId`);
});
const customFields = await step("getCustomFields", async () => {
  const { list: xs } = await someList((p) => admin.getCustomFields(p.projectKey), S.CustomField, "custom fields (in some project)");
  const types = new Set((xs || []).map((f) => f.typeId));
  expect(types.size === 8, `custom field types present: ${JSON.stringify([...types].sort())}; the generated space should have all 8`);
  return await admin.getCustomFields(PK);
});
await step("getProjectsDiskUsage", async () => shape(await admin.getProjectsDiskUsage(need(PK, "a project")), S.ProjectDiskUsage));
// Generated spaces hold webhooks in every project; a real space may have none.
const webhooks = await step("getWebhooks", async () =>
  someList((p) => admin.getWebhooks(p.projectKey), S.Webhook, "webhooks", { nonEmpty: emulator }));
await step("getWebhook", async () => {
  need(webhooks, "getWebhooks");
  if (webhooks.list.length === 0 && writes) return warn("no webhook seeded: getWebhook is checked in the write phase");
  const w = need(webhooks.list[0], "a webhook from getWebhooks");
  const v = shape(await admin.getWebhook(webhooks.item.projectKey, w.id), S.Webhook);
  expect(v && v.id === w.id, `getWebhook returned id ${v && v.id}`);
});

// ============================================================================
// 3. Issues
// ============================================================================

const issues = await step("getIssues", async () => {
  const v = list(await admin.getIssues({ projectId: [need(P, "a project").id], count: 100 }), S.Issue, { nonEmpty: true, what: "issues" });
  shape(v, [S.IssueKeyConsistent]);
  expect(Array.isArray(v) && v.every((i) => i.projectId === P.id), `projectId[] filter returned other projects' issues`);
  if (emulator && Array.isArray(v)) {
    const ok = v.every((x, i) => i === 0 || v[i - 1].updated >= x.updated);
    expect(ok, `default order is not updated desc (emulator's documented default)`);
  }
  return v;
});
await step("getIssues (all joined projects, no projectId)", async () => {
  const v = list(await admin.getIssues({ count: 5 }), S.Issue, { nonEmpty: true, what: "issues" });
  expect(Array.isArray(v) && v.length === 5, `count=5 returned ${v && v.length}`);
});
await step("getIssues (sort, order, filters)", async () => {
  const pid = need(P, "a project").id;
  const asc = await admin.getIssues({ projectId: [pid], sort: "created", order: "asc", count: 20 });
  list(asc, S.Issue);
  expect(asc.every((x, i) => i === 0 || asc[i - 1].created <= x.created), `sort=created&order=asc is not ascending`);
  const open = await admin.getIssues({ projectId: [pid], statusId: [1], count: 100 });
  expect(open.every((x) => x.status.id === 1), `statusId[]=1 returned other statuses`);
  const openCount = (await admin.getIssuesCount({ projectId: [pid], statusId: [1] })).count;
  if (open.length < 100) expect(openCount === open.length, `statusId[]=1: count ${openCount}, list ${open.length}`);
  const withAtt = await admin.getIssues({ attachment: true, count: 20 });
  expect(withAtt.every((x) => x.attachments.length > 0), `attachment=true returned issues without attachments`);
  const kw = asc[0] && asc[0].summary.split(/\s+/)[0];
  if (kw) {
    const hits = await admin.getIssues({ projectId: [pid], keyword: kw, count: 100 });
    expect(ids(hits).includes(asc[0].id), `keyword=${JSON.stringify(kw)} did not find the issue whose summary starts with it`);
  }
  const parents = await admin.getIssues({ parentChild: 4, count: 5 });
  list(parents, S.Issue);
  const child = await admin.getIssues({ parentChild: 2, count: 5 });
  expect(child.every((x) => x.parentIssueId !== null), `parentChild=2 returned issues without a parent`);
  const exp = await admin.getIssues({ projectId: [pid], expand: ["childIssueSummary"], count: 5 });
  shape(exp, [S.IssueWithChildSummary]);
  const cfs = (customFields || []).filter((f) => f.typeId === 5 || f.typeId === 6);
  if (cfs.length > 0 && cfs[0].items.length > 1) {
    const f = cfs[0];
    const r = await admin.getIssues({ projectId: [pid], [`customField_${f.id}`]: [f.items[0].id, f.items[1].id], count: 20 });
    list(r, S.Issue);
  }
});
await step("getIssuesCount", async () => {
  const c = count(await admin.getIssuesCount({ projectId: [need(P, "a project").id] }));
  expect(c > 0, `count is ${c}`);
});

const I = issues && issues[0];
const IK = I && I.issueKey;

await step("getIssue (by key, by id, expand)", async () => {
  need(I, "an issue from getIssues");
  const a = shape(await admin.getIssue(IK), S.Issue);
  const b = shape(await admin.getIssue(I.id), S.Issue);
  expect(same(a, b), `getIssue(key) and getIssue(id) differ`);
  const c = shape(await admin.getIssue(IK, { expand: ["childIssueSummary"] }), S.IssueWithChildSummary);
  expect(c && c.childIssueSummary, `expand[]=childIssueSummary: no childIssueSummary`);
});

// An issue that has comments (the seeded space has some).
const commented = await (async () => {
  for (const is of (issues || []).slice(0, 30)) {
    try {
      const c = await admin.getIssueCommentsCount(is.issueKey);
      if (c && c.count > 0) return is;
    } catch {
      return undefined;
    }
  }
  return undefined;
})();
const CK = commented && commented.issueKey;

const comments = await step("getIssueComments", async () => {
  const v = list(await admin.getIssueComments(need(CK, "an issue with comments"), { count: 100 }), S.Comment, { nonEmpty: true, what: "comments" });
  expect(Array.isArray(v) && v.every((c, i) => i === 0 || v[i - 1].id > c.id), `default order is not id desc`);
  expect(Array.isArray(v) && v.every((c) => c.issueId === commented.id), `a comment of another issue`);
  return v;
});
await step("getIssueCommentsCount", async () => {
  const c = count(await admin.getIssueCommentsCount(need(CK, "an issue with comments")));
  if (comments && comments.length < 100) expect(c === comments.length, `count ${c} but the list holds ${comments.length}`);
});
await step("getIssueComment", async () => {
  const c0 = need(comments && comments[0], "a comment");
  const v = shape(await admin.getIssueComment(CK, c0.id), S.Comment);
  expect(same(v, c0), `getIssueComment differs from the list element`);
});
await step("getIssueCommentNotifications", async () => {
  // A comment with notifications (activity 17): generated spaces have some;
  // otherwise the first comment's (maybe empty) list.
  for (const a of await admin.getSpaceActivities({ activityTypeId: [17], count: 20 })) {
    const c = a.content && a.content.comment;
    if (!c || !a.content.id) continue;
    return list(await admin.getIssueCommentNotifications(a.content.id, c.id), S.CommentNotification,
      { nonEmpty: true, what: "the notification of activity 17" });
  }
  const c0 = need(comments && comments[0], "a comment");
  list(await admin.getIssueCommentNotifications(CK, c0.id), S.CommentNotification,
    { nonEmpty: emulator, what: "comment notifications (no activity 17 in the space)" });
});
const withAttachment = await step("getIssueAttachments", async () => {
  const [is] = await admin.getIssues({ attachment: true, count: 1 });
  const v = list(await admin.getIssueAttachments(need(is, "an issue with attachment=true").issueKey), S.Attachment, { nonEmpty: true, what: "attachments" });
  return { issue: is, list: v };
});
await step("getIssueAttachment", () =>
  download(() => admin.getIssueAttachment(need(withAttachment, "an attachment").issue.issueKey, withAttachment.list[0].id)), { download: true });
await step("getIssueSharedFiles", async () => {
  const [is] = await admin.getIssues({ sharedFile: true, count: 1 });
  if (!is && writes) return warn("no issue with linked shared files: checked in the write phase");
  list(await admin.getIssueSharedFiles(need(is, "an issue with sharedFile=true").issueKey), S.SharedFile, { nonEmpty: true, what: "linked shared files" });
});
await step("getIssueParticipants", async () => {
  list(await admin.getIssueParticipants(need(CK, "an issue with comments")), S.User, { nonEmpty: true, what: "participants" });
});
await step("getRelatedIssues", async () => {
  // Generated spaces relate some issues; look through the newest ones (the
  // first is the fallback whose list may be empty on a real space).
  const recent = await admin.getIssues({ projectId: [need(P, "a project").id], count: 100, sort: "created" });
  await someListIn(need(recent.length > 0 && recent, "issues"), (is) => admin.getRelatedIssues(is.issueKey), S.RelatedIssue,
    "related issues", { nonEmpty: emulator });
});

// ============================================================================
// 4. Activities
// ============================================================================

const spaceActs = await step("getSpaceActivities", async () => {
  const v = list(await admin.getSpaceActivities({ count: 100 }), S.Activity, { nonEmpty: true, what: "activities" });
  expect(Array.isArray(v) && v.every((a, i) => i === 0 || v[i - 1].id > a.id), `default order is not id desc`);
  const f = await admin.getSpaceActivities({ activityTypeId: [1, 2], count: 50 });
  list(f, S.Activity);
  expect(f.every((a) => a.type === 1 || a.type === 2), `activityTypeId[]=1,2 returned other types`);
  return v;
});
await step("getUserActivities", async () => {
  const uid = need(spaceActs && spaceActs[0], "an activity").createdUser.id;
  const v = list(await admin.getUserActivities(uid, { count: 20 }), S.Activity, { nonEmpty: true, what: "the user's activities" });
  expect(Array.isArray(v) && v.every((a) => a.createdUser.id === uid), `an activity by another user`);
});
await step("get /activities/:id (backlog.get; no method in backlog-js 0.20.1)", async () => {
  const a = need(spaceActs && spaceActs[0], "an activity");
  const v = shape(await admin.get(`activities/${a.id}`), S.SingleActivity);
  expect(v && v.id === a.id && v.type === a.type, `returned another activity`);
});

// ============================================================================
// 5. Stars, watchings, notifications, recently viewed (reads; writes below)
// ============================================================================

await step("getUserStars", async () => list(await admin.getUserStars(need(myself, "getMyself").id, { count: 20 }), S.Star));
await step("getUserStarsCount", async () => count(await admin.getUserStarsCount(need(myself, "getMyself").id, {})));
await step("getWatchingListItems", async () => list(await admin.getWatchingListItems(need(myself, "getMyself").id, { count: 20 }), S.Watching));
await step("getWatchingListCount", async () => count(await admin.getWatchingListCount(need(myself, "getMyself").id, {})));
await step("getNotifications", async () => list(await admin.getNotifications({ count: 20 }), S.Notification));
await step("getNotificationsCount", async () =>
  count(await admin.getNotificationsCount({ alreadyRead: false, resourceAlreadyRead: false })));
await step("getRecentlyViewedIssues", async () => list(await admin.getRecentlyViewedIssues({ count: 20 }), S.RecentlyViewedIssue));
await step("getRecentlyViewedProjects", async () => list(await admin.getRecentlyViewedProjects({ count: 20 }), S.RecentlyViewedProject));
await step("getRecentlyViewedWikis", async () => list(await admin.getRecentlyViewedWikis({ count: 20 }), S.RecentlyViewedWiki));

// ============================================================================
// 6. Wikis
// ============================================================================

const wikiProject = (allProjects || []).find((p) => p.useWiki) || P;
const WP = wikiProject && wikiProject.projectKey;
const wikis = await step("getWikis", async () => {
  const v = list(await admin.getWikis({ projectIdOrKey: need(WP, "a project") }), S.WikiListItem, { nonEmpty: true, what: "wiki pages" });
  expect(Array.isArray(v) && v.every((w) => w.projectId === wikiProject.id), `a page of another project`);
  return v;
});
await step("getWikis (keyword)", async () => {
  const w = need(wikis && wikis[0], "a wiki page");
  const v = list(await admin.getWikis({ projectIdOrKey: WP, keyword: w.name }), S.WikiListItem);
  expect(ids(v).includes(w.id), `keyword=${JSON.stringify(w.name)} did not find the page named so`);
});
await step("getWikisCount", async () => {
  const c = count(await admin.getWikisCount(need(WP, "a project")));
  if (wikis) expect(c === wikis.length, `count ${c} but getWikis returned ${wikis.length}`);
});
await step("getWikisTags", async () => {
  await someList((p) => admin.getWikisTags(p.projectKey), S.WikiTag, "wiki tags (in some project)");
});
const W = wikis && wikis[0];
await step("getWiki", async () => {
  const v = shape(await admin.getWiki(need(W, "a wiki page").id), S.Wiki);
  expect(v && v.name === W.name, `name differs from the list`);
});
// Attachments, linked files and stars of wiki pages: the first page that has
// some (generated spaces always do), else the first page's empty list.
const somePage = (fn, schema, what) =>
  someListIn(need(wikis && wikis.length > 0 && wikis, "wiki pages"), (w) => fn(w.id), schema, what, { nonEmpty: emulator });
await step("getWikisAttachments", async () => somePage((id) => admin.getWikisAttachments(id), S.Attachment, "wiki attachments"));
await step("getWikisSharedFiles", async () => somePage((id) => admin.getWikisSharedFiles(id), S.SharedFile, "files linked to wiki pages"));
await step("getWikisHistory", async () => {
  const v = list(await admin.getWikisHistory(need(W, "a wiki page").id, { count: 20 }), S.WikiHistory, { nonEmpty: true, what: "history" });
  expect(Array.isArray(v) && v.every((h) => h.pageId === W.id), `history of another page`);
});
await step("getWikisStars", async () => somePage((id) => admin.getWikisStars(id), S.Star, "stars on wiki pages"));
await step("getWikiAttachment", async () => {
  for (const w of (wikis || []).slice(0, 30)) {
    const atts = await admin.getWikisAttachments(w.id);
    if (atts.length > 0) return download(() => admin.getWikiAttachment(w.id, atts[0].id));
  }
  if (writes) return warn("no wiki page with an attachment among the first 30: checked in the write phase");
  throw new Blocked("blocked: no wiki page with an attachment among the first 30");
}, { download: true });

// ============================================================================
// 7. Shared files
// ============================================================================

const filesFound = await step("getSharedFiles (root and one directory)", async () => {
  const r = await someList((p) => admin.getSharedFiles(p.projectKey, ""), S.SharedFile, "shared files (in some project)");
  const root = r.list;
  if (!Array.isArray(root) || root.length === 0) return undefined;
  expect(root.every((f) => f.dir === "/"), `root listing has entries whose dir is not "/"`);
  const dirs = root.filter((f) => f.type === "directory");
  let file = root.find((f) => f.type === "file");
  // A directory may hold only directories: look into a few until a file turns up.
  for (const dir of dirs.slice(0, 10)) {
    const sub = list(await admin.getSharedFiles(r.item.projectKey, dir.name), S.SharedFile);
    expect(sub.every((f) => f.dir === `/${dir.name}/`), `listing of ${dir.name} has entries whose dir is not /${dir.name}/`);
    file = file || sub.find((f) => f.type === "file");
    if (file) break;
  }
  if (dirs.length === 0) warn("no directory at the root: recursion not exercised");
  const paged = await admin.getSharedFiles(r.item.projectKey, "", { count: 1, offset: 0 });
  expect(Array.isArray(paged) && paged.length === 1, `count=1 returned ${paged && paged.length}`);
  return { project: r.item, file };
});
await step("getSharedFile", () =>
  download(() => admin.getSharedFile(need(filesFound && filesFound.file, "a shared file").projectId, filesFound.file.id)), { download: true });

// ============================================================================
// 8. Documents
// ============================================================================

const docsFound = await step("getDocuments", async () => {
  const v = list(await admin.getDocuments({ offset: 0, count: 100 }), S.Document, { nonEmpty: true, what: "documents" });
  const byP = await admin.getDocuments({ projectId: [v[0].projectId], offset: 0, count: 100 });
  expect(byP.every((d) => d.projectId === v[0].projectId), `projectId[] filter returned other projects' documents`);
  return v;
});
const D = docsFound && docsFound[0];
const docProject = D && (allProjects || []).find((p) => p.id === D.projectId);
await step("getDocuments (offset is required)", async () => {
  await expectError(() => admin.getDocuments({ count: 5 }), { status: 400, code: 7 });
});
await step("get /documents/count (backlog.get; no method in backlog-js 0.20.1)", async () => {
  const c = count(await admin.get("documents/count", { projectIdOrKey: need(docProject, "a project with documents").projectKey }));
  const all = await admin.getDocuments({ projectId: [docProject.id], offset: 0, count: 100 });
  if (all.length < 100) expect(c === all.length, `count ${c} but the list holds ${all.length}`);
});
await step("getDocumentTree", async () => {
  const v = shape(await admin.getDocumentTree(need(docProject, "a project with documents").projectKey), S.DocumentTree);
  expect(v && v.projectId === docProject.id, `projectId ${v && v.projectId}`);
});
await step("getDocument", async () => {
  const v = shape(await admin.getDocument(need(D, "a document").id), S.Document);
  expect(v && v.id === D.id, `returned another document`);
});
await step("get /documents/:id/comments (backlog.get; no method in backlog-js 0.20.1)", async () => {
  for (const d of (docsFound || []).slice(0, 30)) {
    const v = await admin.get(`documents/${d.id}/comments`);
    if (Array.isArray(v) && v.length > 0) return list(v, S.DocumentComment);
  }
  list(await admin.get(`documents/${need(D, "a document").id}/comments`), S.DocumentComment, { nonEmpty: true, what: "document comments (on some document)" });
});
await step("downloadDocumentAttachment", async () => {
  const d = (docsFound || []).find((x) => x.attachments && x.attachments.length > 0);
  const doc = need(d, "a document with attachments");
  return download(() => admin.downloadDocumentAttachment(doc.id, doc.attachments[0].id));
}, { download: true });

// ============================================================================
// 9. Git and pull requests
// ============================================================================

const repoFound = await step("getGitRepositories", async () => {
  const r = await someList((p) => admin.getGitRepositories(p.projectKey), S.Repository, "repositories (in some project)");
  return r.list && r.list.length > 0 ? { project: r.item, repo: r.list[0], repos: r.list } : undefined;
});
const RP = repoFound && repoFound.project.projectKey;
const RR = repoFound && repoFound.repo;
await step("getGitRepository (by id and by name)", async () => {
  need(RR, "a repository");
  const a = shape(await admin.getGitRepository(RP, RR.id), S.Repository);
  const b = shape(await admin.getGitRepository(RP, RR.name), S.Repository);
  expect(same(a, b), `by id and by name differ`);
});
const prs = await step("getPullRequests", async () => {
  const r = await someListIn(need(repoFound, "a repository").repos, (repo) => admin.getPullRequests(RP, repo.name, { count: 100 }), S.PullRequest, "pull requests");
  return r.list.length > 0 ? { repo: r.item, list: r.list } : undefined;
});
await step("getPullRequestsCount", async () => {
  const c = count(await admin.getPullRequestsCount(RP, need(prs, "pull requests").repo.name, {}));
  if (prs.list.length < 100) expect(c === prs.list.length, `count ${c} but the list holds ${prs.list.length}`);
  const open = await admin.getPullRequestsCount(RP, prs.repo.name, { statusId: [1] });
  const openList = await admin.getPullRequests(RP, prs.repo.name, { statusId: [1], count: 100 });
  expect(openList.every((p) => p.status.id === 1), `statusId[]=1 returned other statuses`);
  if (openList.length < 100) expect(open.count === openList.length, `statusId[]=1: count ${open.count}, list ${openList.length}`);
});
const PR = prs && prs.list[0];
await step("getPullRequest", async () => {
  const v = shape(await admin.getPullRequest(RP, need(prs, "pull requests").repo.name, PR.number), S.PullRequest);
  expect(v && v.id === PR.id, `returned another pull request`);
});
const prComments = await step("getPullRequestComments", async () => {
  const r = await someListIn(need(prs, "pull requests").list.slice(0, 20),
    (pr) => admin.getPullRequestComments(RP, prs.repo.name, pr.number, { count: 100 }), S.PullRequestComment, "pull-request comments");
  return r.list.length > 0 ? { pr: r.item, list: r.list } : undefined;
});
await step("getPullRequestCommentsCount", async () => {
  need(prComments, "PR comments");
  const c = count(await admin.getPullRequestCommentsCount(RP, prs.repo.name, prComments.pr.number));
  if (prComments.list.length < 100) expect(c === prComments.list.length, `count ${c} but the list holds ${prComments.list.length}`);
});
await step("getPullRequestAttachments", async () => {
  need(prs, "pull requests");
  await someListIn(prs.list, (pr) => admin.getPullRequestAttachments(RP, prs.repo.name, pr.number), S.Attachment,
    "pull-request attachments", { nonEmpty: emulator });
});

// ============================================================================
// 10. Errors, auth and visibility
// ============================================================================

await step("bad API key → BacklogAuthError 401 code 11", async () => {
  await expectError(() => client("not-a-valid-key-" + tag).getSpace(), { cls: "BacklogAuthError", status: 401, code: 11 });
});
await step("unknown issue → BacklogApiError 404 code 6", async () => {
  const e = await expectError(() => admin.getIssue("NOSUCHPROJECT-999999"), { status: 404, code: 6 });
  expect(!e || /^No /.test(e.body.errors[0].message), `message ${JSON.stringify(e && e.body.errors[0].message)}, want Backlog's "No …" form`);
});
await step("unknown project → 404 code 6 \"No project.\"", async () => {
  const e = await expectError(() => admin.getProject("NOSUCHPROJECT"), { status: 404, code: 6 });
  if (e) expect(e.body.errors[0].message === "No project.", `message ${JSON.stringify(e.body.errors[0].message)}`);
});
await step("count=101 → 400 code 7", async () => {
  await expectError(() => admin.getIssues({ count: 101 }), { status: 400, code: 7 });
  await expectError(() => admin.getSpaceActivities({ count: 0 }), { status: 400, code: 7 });
  await expectError(() => admin.getIssues({ order: "sideways" }), { status: 400, code: 7 });
});
await step("malformed parameters → 400 code 7", async () => {
  await expectError(() => admin.getIssues({ createdSince: "2026-13-45" }), { status: 400, code: 7 });
  await expectError(() => admin.getIssues({ projectId: ["abc"] }), { status: 400, code: 7 });
  await expectError(() => admin.getIssues({ attachment: "maybe" }), { status: 400, code: 7 });
  await expectError(() => admin.getIssues({ hasDueDate: true }), { status: 400, code: 7 });
  await expectError(() => admin.getIssueComments(need(IK, "an issue"), { minId: "x" }), { status: 400, code: 7 });
});
if (emulator) {
  await step("rate-limit headers follow the request class", async () => {
    const rl = (await admin.getRateLimit()).rateLimit;
    const limitOf = () => Number(seen[seen.length - 1].headers.get("x-ratelimit-limit"));
    await admin.getSpace();
    expect(limitOf() === rl.read.limit, `GET /space: X-RateLimit-Limit ${limitOf()}, want read ${rl.read.limit}`);
    await admin.getIssues({ count: 1 });
    expect(limitOf() === rl.search.limit, `GET /issues: X-RateLimit-Limit ${limitOf()}, want search ${rl.search.limit}`);
    await admin.getWikisCount(need(WP, "a project"));
    expect(limitOf() === rl.search.limit, `GET /wikis/count: X-RateLimit-Limit ${limitOf()}, want search ${rl.search.limit}`);
    await download(() => admin.getSpaceIcon());
    expect(limitOf() === rl.icon.limit, `GET /space/image: X-RateLimit-Limit ${limitOf()}, want icon ${rl.icon.limit}`);
    const before = Number(seen[seen.length - 1].headers.get("x-ratelimit-remaining"));
    await download(() => admin.getSpaceIcon());
    const after = Number(seen[seen.length - 1].headers.get("x-ratelimit-remaining"));
    expect(after === before - 1, `X-RateLimit-Remaining went ${before} → ${after}, want −1 per request`);
  }, { download: true });
}
await step("member: space activities only from joined projects", async () => {
  need(member, "BACKLOG_MEMBER_API_KEY");
  const joined = new Set(ids(need(memberProjects, "the member's projects")));
  const v = list(await member.getSpaceActivities({ count: 100 }), S.Activity, { nonEmpty: true, what: "activities of joined projects" });
  expect(v.every((a) => joined.has(a.project.id)), `member sees activities of unjoined projects`);
});
await step("member: diskUsage → 403 code 5", async () => {
  need(member, "BACKLOG_MEMBER_API_KEY");
  await expectError(() => member.getSpaceDiskUsage(), { status: 403, code: 5 });
});
await step("member: an unjoined project → 404 code 6", async () => {
  need(member, "BACKLOG_MEMBER_API_KEY");
  const joined = new Set(ids(need(memberProjects, "the member's projects")));
  const other = (allProjects || []).find((p) => !joined.has(p.id));
  if (!other) throw new Blocked("blocked: the member has joined every project; nothing invisible to check");
  await expectError(() => member.getProject(other.projectKey), { status: 404, code: 6 });
  const leaked = await member.getIssues({ projectId: [other.id], count: 1 }).catch(() => []);
  expect(Array.isArray(leaked) && leaked.length === 0, `getIssues(projectId[]=${other.id}) shows an unjoined project's issues to the member`);
});

// ============================================================================
// 11. Paging through the client
// ============================================================================

await step("paging: issues offset/count", async () => {
  const pid = need(P, "a project").id;
  const q = { projectId: [pid], sort: "created", order: "asc" };
  const six = await admin.getIssues({ ...q, count: 6, offset: 0 });
  const a = await admin.getIssues({ ...q, count: 3, offset: 0 });
  const b = await admin.getIssues({ ...q, count: 3, offset: 3 });
  expect(same(ids(six), [...ids(a), ...ids(b)]), `offset 0+3 pages ${JSON.stringify([...ids(a), ...ids(b)])} ≠ one page of 6 ${JSON.stringify(ids(six))}`);
  const total = (await admin.getIssuesCount({ projectId: [pid] })).count;
  if (total <= 2000) {
    let all = [];
    for (let off = 0; ; off += 100) {
      const page = await admin.getIssues({ ...q, count: 100, offset: off });
      all = all.concat(page);
      if (page.length < 100) break;
    }
    expect(all.length === total, `walking pages of 100 gave ${all.length} issues; /issues/count says ${total}`);
    expect(new Set(ids(all)).size === all.length, `duplicate issues while paging`);
    const past = await admin.getIssues({ ...q, count: 100, offset: total });
    expect(Array.isArray(past) && past.length === 0, `offset=count returned ${past && past.length} issues, want []`);
  } else {
    warn(`project has ${total} issues; full walk skipped`);
  }
});
await step("paging: activities maxId/minId", async () => {
  const acts = await admin.getSpaceActivities({ count: 10 });
  if (!Array.isArray(acts) || acts.length < 10) throw new Blocked("blocked: needs 10 activities");
  const older = await admin.getSpaceActivities({ maxId: acts[4].id, count: 3 });
  const newer = await admin.getSpaceActivities({ minId: acts[8].id, count: 3, order: "asc" });
  if (emulator) {
    // Exclusive bounds (the emulator's documented default).
    expect(same(ids(older), ids(acts.slice(5, 8))), `maxId=${acts[4].id}: ${JSON.stringify(ids(older))}, want ${JSON.stringify(ids(acts.slice(5, 8)))} (exclusive)`);
    expect(same(ids(newer), ids(acts.slice(5, 8)).reverse()), `minId=${acts[8].id}&order=asc: ${JSON.stringify(ids(newer))}, want ${JSON.stringify(ids(acts.slice(5, 8)).reverse())} (exclusive)`);
  } else {
    expect(ids(older).every((id) => id <= acts[4].id), `maxId returned a larger id`);
    expect(ids(newer).every((id) => id >= acts[8].id), `minId returned a smaller id`);
  }
});
await step("paging: comments minId walk (order=asc)", async () => {
  const key = need(CK, "an issue with comments");
  const total = (await admin.getIssueCommentsCount(key)).count;
  let all = [];
  let minId;
  for (let i = 0; i < 200; i++) {
    const page = await admin.getIssueComments(key, { order: "asc", count: 2, ...(minId !== undefined ? { minId } : {}) });
    all = all.concat(page);
    if (page.length < 2) break;
    minId = page[page.length - 1].id; // an inclusive server repeats it: de-duplicated below
  }
  const uniq = [...new Map(all.map((c) => [c.id, c])).values()];
  expect(uniq.every((c, i) => i === 0 || uniq[i - 1].id < c.id), `ids not increasing`);
  if (emulator) expect(uniq.length === all.length, `minId is not exclusive: the walk repeated ${all.length - uniq.length} comments`);
  expect(uniq.length === total, `walk found ${uniq.length} comments; count says ${total}`);
});

// ============================================================================
// 12. OAuth 2.0 (authorization code → token → API call → refresh)
// ============================================================================

await step("OAuth2 authorization code + refresh", async () => {
  const clientId = env.BACKLOG_OAUTH_CLIENT_ID || "backlogsync-demo";
  const clientSecret = env.BACKLOG_OAUTH_CLIENT_SECRET || "demo-secret";
  const redirectUri = "http://127.0.0.1:9/callback";
  const oauth = new OAuth2({ clientId, clientSecret }, undefined, capturingFetch);
  const authURL = oauth.getAuthorizationURL({ host, redirectUri, state: "st" + tag });
  // The authorization page is for a browser: follow it by hand, submitting
  // the first form it shows (an approval page) if it does not redirect at once.
  let res = await fetch(rewrite(authURL), { redirect: "manual" });
  if (res.status === 200) {
    // A consent page: submit its form as a browser would, with the hidden
    // inputs, the first option of each select, and the allow/approve button.
    const unescape = (x) => x.replace(/&amp;/g, "&").replace(/&#43;/g, "+").replace(/&#39;/g, "'").replace(/&#34;|&quot;/g, '"');
    const html = await res.text();
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`authorization page (200) has no form`);
    const action = new URL(unescape(form[1]), rewrite(authURL));
    const body = new URLSearchParams();
    for (const m of form[2].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/gi)) body.append(m[1], unescape(m[2]));
    for (const m of form[2].matchAll(/<select[^>]*name="([^"]*)"[^>]*>[\s\S]*?<option[^>]*value="([^"]*)"/gi)) body.append(m[1], unescape(m[2]));
    const allow = [...form[2].matchAll(/<button[^>]*name="([^"]*)"[^>]*value="([^"]*)"/gi)].find((m) => /allow|approve|accept|許可/i.test(m[2]));
    if (allow) body.append(allow[1], allow[2]);
    res = await fetch(action, { method: "POST", body, redirect: "manual" });
  }
  const loc = res.headers.get("location");
  if (!loc) throw new Error(`authorization answered ${res.status} without a redirect`);
  const back = new URL(loc);
  expect(back.searchParams.get("state") === "st" + tag, `state not echoed: ${loc}`);
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`redirect without code: ${loc}`);
  const tok = shape(await oauth.getAccessToken({ host, code, redirectUri }), S.OAuthToken);
  const viaToken = new Backlog({ host, accessToken: tok.access_token, fetch: capturingFetch });
  shape(await viaToken.getMyself(), S.User);
  const tok2 = shape(await oauth.refreshAccessToken({ host, refreshToken: tok.refresh_token }), S.OAuthToken);
  expect(tok2.access_token !== tok.access_token, `refresh returned the same access token`);
  // A bad token is a 401 with WWW-Authenticate and no errors body, which
  // backlog-js surfaces as UnexpectedError (its JSON parse fails).
  try {
    await new Backlog({ host, accessToken: "bogus" + tag, fetch: capturingFetch }).getMyself();
    problem("a bogus access token was accepted");
  } catch (e) {
    expect(e instanceof BacklogErrors.BacklogError && e.status === 401, `bogus token: ${fmtErr(e)}, want a 401`);
    const wa = e.response && e.response.headers.get("www-authenticate");
    expect(wa && /^Bearer error="invalid_token"/.test(wa), `bogus token: WWW-Authenticate ${JSON.stringify(wa)}`);
  }
});

// ============================================================================
// 13. Writes
// ============================================================================

if (writes) {
  await runWrites();
} else {
  console.log("BACKLOG_WRITES=0: writes skipped");
}

/** fileIn finds a shared file (type "file") at the root or one level down in a project. */
async function fileIn(projectKey) {
  const root = await admin.getSharedFiles(projectKey, "");
  const f = root.find((x) => x.type === "file");
  if (f) return f;
  for (const d of root.filter((x) => x.type === "directory").slice(0, 10)) {
    const sub = await admin.getSharedFiles(projectKey, d.name);
    const g = sub.find((x) => x.type === "file");
    if (g) return g;
  }
  return undefined;
}

async function runWrites() {
  const pid = P && P.id;
  const memberUser = memberSelf;

  await step("putSpaceNotification", async () => {
    const content = `conformance ${tag}`;
    const v = shape(await admin.putSpaceNotification({ content }), S.SpaceNotification);
    expect(v && v.content === content, `content not stored`);
    expect(v && v.updated !== null, `updated is null after an update`);
    const g = await admin.getSpaceNotification();
    expect(g.content === content, `getSpaceNotification does not show the new content`);
  });

  async function upload(name) {
    const form = new FormData();
    form.append("file", new Blob([`conformance file ${name} ${tag}\n`], { type: "text/plain" }), name);
    return shape(await admin.postSpaceAttachment(form), S.UploadedFile);
  }
  const att1 = await step("postSpaceAttachment", async () => {
    const v = await upload("conformance-issue.txt");
    expect(v && v.name === "conformance-issue.txt", `name ${v && v.name}`);
    expect(v && v.size === `conformance file conformance-issue.txt ${tag}\n`.length, `size ${v && v.size}`);
    return v;
  });

  // Fill every custom field so that required ones are satisfied and every
  // value type round-trips (list values go out as customField_N[0]=…).
  function customFieldParams(issueTypeId) {
    const out = {};
    for (const f of customFields || []) {
      if (f.applicableIssueTypes.length > 0 && !f.applicableIssueTypes.includes(issueTypeId)) continue;
      const k = `customField_${f.id}`;
      switch (f.typeId) {
        case 1: case 2: out[k] = `cf ${tag}`; break;
        case 3: out[k] = f.min ?? 1; break;
        case 4: out[k] = "2026-02-03"; break;
        case 5: case 8: if (f.items.length) out[k] = f.items[0].id; break;
        case 6: case 7: if (f.items.length) out[k] = f.items.slice(0, 2).map((i) => i.id); break;
      }
    }
    return out;
  }

  const issueTypeId = issueTypes && issueTypes[0] && issueTypes[0].id;
  const issue1 = await step("postIssue", async () => {
    need(pid, "a project");
    need(issueTypeId, "an issue type");
    const params = {
      projectId: pid, summary: `Conformance ${tag}`, issueTypeId, priorityId: 3,
      description: "Created by conformance/run.mjs", startDate: "2026-01-05", dueDate: "2026-01-09",
      estimatedHours: 1.5, actualHours: 0.25,
      ...(categories && categories[0] ? { categoryId: [categories[0].id] } : {}),
      ...(versions && versions[0] ? { milestoneId: [versions[0].id], versionId: [versions[0].id] } : {}),
      ...(memberUser ? { assigneeId: memberUser.id, notifiedUserId: [memberUser.id] } : {}),
      ...(att1 ? { attachmentId: [att1.id] } : {}),
      ...customFieldParams(issueTypeId),
    };
    const v = shape(await admin.postIssue(params), S.Issue);
    const r = seen[seen.length - 1];
    expect(r && r.status === 201, `status ${r && r.status}, want 201 Created`);
    expect(r && /\/view\/[A-Z0-9_]+-\d+$/.test(r.headers.get("location") || ""), `Location header ${JSON.stringify(r && r.headers.get("location"))}`);
    if (!v) return v;
    expect(v.summary === params.summary, `summary not stored`);
    expect(v.issueKey.startsWith(PK + "-"), `issueKey ${v.issueKey} not in project ${PK}`);
    expect(v.startDate === "2026-01-05T00:00:00Z", `startDate ${v.startDate}, want 2026-01-05T00:00:00Z`);
    expect(v.dueDate === "2026-01-09T00:00:00Z", `dueDate ${v.dueDate}`);
    expect(v.estimatedHours === 1.5 && v.actualHours === 0.25, `hours ${v.estimatedHours}/${v.actualHours}`);
    expect(v.status && v.status.id === 1, `new issue status ${v.status && v.status.id}, want 1 (Open)`);
    expect(v.createdUser && myself && v.createdUser.id === myself.id, `createdUser is not the caller`);
    if (att1) expect(v.attachments.length === 1 && v.attachments[0].id === att1.id, `attachment not attached`);
    if (memberUser) expect(v.assignee && v.assignee.id === memberUser.id, `assignee not stored`);
    if (params.categoryId) expect(same(ids(v.category), params.categoryId), `category not stored`);
    if (params.milestoneId) expect(same(ids(v.milestone), params.milestoneId), `milestone not stored`);
    for (const [k, want] of Object.entries(params).filter(([k]) => k.startsWith("customField_"))) {
      const id = Number(k.slice("customField_".length));
      const got = v.customFields.find((c) => c.id === id);
      if (!expect(got, `${k}: no value in the response`)) continue;
      const val = got.value;
      const norm = Array.isArray(val) ? val.map((x) => x.id) : val && typeof val === "object" ? val.id
        : got.fieldTypeId === 4 ? (val || "").slice(0, 10) : val;
      expect(same(norm, want), `${k}: sent ${JSON.stringify(want)}, got ${JSON.stringify(val)}`);
    }
    return v;
  });
  const K1 = issue1 && issue1.issueKey;
  await step("postIssue → activity 1", async () => {
    need(issue1, "postIssue");
    await expectActivity(PK, 1, (c) => c.id === issue1.id && c.key_id === issue1.keyId, K1);
  });
  await step("postIssue → 400 code 7 without summary", async () => {
    need(pid, "a project");
    await expectError(() => admin.postIssue({ projectId: pid, issueTypeId, priorityId: 3 }), { status: 400, code: 7 });
  });

  await step("patchIssue (changeLog comment)", async () => {
    need(issue1, "postIssue");
    const v = shape(await admin.patchIssue(K1, { summary: `Conformance ${tag} (edited)`, statusId: 2, comment: "patched by conformance" }), S.Issue);
    expect(v && v.status.id === 2, `status ${v && v.status.id}, want 2`);
    expect(v && v.summary.endsWith("(edited)"), `summary not updated`);
    const [c] = await admin.getIssueComments(K1, { count: 1 });
    shape(c, S.Comment);
    expect(c && c.content === "patched by conformance", `latest comment content ${JSON.stringify(c && c.content)}`);
    const fields = (c && c.changeLog || []).map((e) => e.field).sort();
    expect(same(fields, ["status", "summary"]), `changeLog fields ${JSON.stringify(fields)}, want ["status","summary"]`);
    const a = await expectActivity(PK, 2, (x) => x.id === issue1.id, K1);
    if (a && c) expect(a.content.comment && a.content.comment.id === c.id, `activity 2 content.comment.id ${a.content.comment && a.content.comment.id}, want ${c.id}`);
    if (a) {
      const ch = (a.content.changes || []).map((x) => x.field).sort();
      expect(same(ch, ["status", "summary"]), `activity 2 content.changes fields ${JSON.stringify(ch)}, want ["status","summary"]`);
    }
    expect(v && myself && v.updatedUser.id === myself.id, `updatedUser is not the caller`);
  });

  const comment1 = await step("postIssueComments", async () => {
    need(issue1, "postIssue");
    const v = shape(await admin.postIssueComments(K1, { content: `comment ${tag}`, ...(memberUser ? { notifiedUserId: [memberUser.id] } : {}) }), S.Comment);
    const r = seen[seen.length - 1];
    expect(r && r.status === 201, `status ${r && r.status}, want 201 Created`);
    expect(r && /#comment-\d+$/.test(r.headers.get("location") || ""), `Location header ${JSON.stringify(r && r.headers.get("location"))}`);
    expect(v && v.content === `comment ${tag}` && v.issueId === issue1.id, `content/issueId not stored`);
    const after = await admin.getIssue(K1);
    expect(v && after.updated >= v.created, `adding a comment did not bump the issue's updated (${after.updated} < ${v && v.created})`);
    if (memberUser) expect(v && v.notifications.some((n) => n.user.id === memberUser.id), `notifiedUserId not in notifications`);
    await expectActivity(PK, 3, (x) => x.id === issue1.id && x.comment && x.comment.id === v.id, K1);
    return v;
  });
  await step("patchIssueComment", async () => {
    const v = shape(await admin.patchIssueComment(K1, need(comment1, "postIssueComments").id, { content: "edited" }), S.Comment);
    expect(v && v.content === "edited", `content ${v && v.content}`);
  });
  await step("getIssueCommentNotifications (after notify)", async () => {
    const v = list(await admin.getIssueCommentNotifications(K1, need(comment1, "postIssueComments").id), S.CommentNotification, { nonEmpty: !!memberUser, what: "the notification just sent" });
    return v;
  });
  await step("postIssueCommentNotifications → activity 17", async () => {
    const other = (projectUsers || []).find((u) => u.id !== (myself && myself.id) && u.id !== (memberUser && memberUser.id)) || memberUser;
    const v = shape(await admin.postIssueCommentNotifications(K1, need(comment1, "postIssueComments").id, { notifiedUserId: [need(other, "another project member").id] }), S.Comment);
    expect(v && v.notifications.some((n) => n.user.id === other.id), `user ${other.id} not in notifications`);
    await expectActivity(PK, 17, (x) => x.id === issue1.id, K1);
  });
  await step("linkIssueSharedFiles / getIssueSharedFiles / unlinkIssueSharedFile", async () => {
    need(issue1, "postIssue");
    const f = need(await fileIn(PK), `a shared file in project ${PK}`);
    const linked = list(await admin.linkIssueSharedFiles(K1, { fileId: [f.id] }), S.SharedFile, { nonEmpty: true, what: "the linked file" });
    expect(ids(linked).includes(f.id), `link answer does not hold file ${f.id}`);
    const l = list(await admin.getIssueSharedFiles(K1), S.SharedFile, { nonEmpty: true, what: "the linked file" });
    expect(ids(l).includes(f.id), `linked file not listed`);
    const hit = await admin.getIssues({ projectId: [pid], sharedFile: true, count: 100 });
    expect(ids(hit).includes(issue1.id), `sharedFile=true does not find the issue`);
    shape(await admin.unlinkIssueSharedFile(K1, f.id), S.SharedFile);
    expect(!ids(await admin.getIssueSharedFiles(K1)).includes(f.id), `file still linked after unlink`);
  });
  await step("recently viewed issue (POST via backlog.post; no method in backlog-js 0.20.1)", async () => {
    need(issue1, "postIssue");
    await admin.post("users/myself/recentlyViewedIssues", { issueIdOrKey: K1 });
    const l = list(await admin.getRecentlyViewedIssues({ count: 20 }), S.RecentlyViewedIssue, { nonEmpty: true, what: "the issue just viewed" });
    expect(l[0] && l[0].issue.id === issue1.id, `most recently viewed issue is ${l[0] && l[0].issue.id}, want ${issue1.id}`);
  });
  await step("getIssueParticipants (after writes)", async () => {
    const v = list(await admin.getIssueParticipants(need(K1, "postIssue")), S.User, { nonEmpty: true, what: "the issue's creator/commenter" });
    expect(ids(v).includes(myself && myself.id), `the creator is not a participant`);
  });
  await step("getIssueAttachments + getIssueAttachment (after writes)", async () => {
    const v = list(await admin.getIssueAttachments(need(K1, "postIssue")), S.Attachment, { nonEmpty: !!att1, what: "the uploaded attachment" });
    if (v && v[0]) await download(() => admin.getIssueAttachment(K1, v[0].id));
  }, { download: true });

  // Member-side notification created by the notifications above.
  await step("getNotifications (member, after notify)", async () => {
    need(member, "BACKLOG_MEMBER_API_KEY");
    const v = list(await member.getNotifications({ count: 20 }), S.Notification, { nonEmpty: true, what: "the member's notification" });
    const c = count(await member.getNotificationsCount({ alreadyRead: false, resourceAlreadyRead: false }));
    expect(c >= 0, `count ${c}`);
    if (v && v[0]) {
      const r = await member.markAsReadNotification(v[0].id);
      expect(r === undefined, `markAsRead returned a body: ${JSON.stringify(r)}`);
    }
    const reset = await member.resetNotificationsMarkAsRead();
    shape(reset, S.Count);
  });

  const issue2 = await step("postIssue (child) + childIssueSummary", async () => {
    need(issue1, "postIssue");
    const params = { projectId: pid, summary: `Conformance child ${tag}`, issueTypeId, priorityId: 2, ...customFieldParams(issueTypeId) };
    if (P.subtaskingEnabled) params.parentIssueId = issue1.id;
    const v = shape(await admin.postIssue(params), S.Issue);
    if (P.subtaskingEnabled) {
      expect(v && v.parentIssueId === issue1.id, `parentIssueId ${v && v.parentIssueId}`);
      const p = shape(await admin.getIssue(K1, { expand: ["childIssueSummary"] }), S.IssueWithChildSummary);
      expect(p && p.childIssueSummary && p.childIssueSummary.total === 1, `childIssueSummary ${JSON.stringify(p && p.childIssueSummary)}, want total 1`);
    } else {
      warn(`project ${PK} has subtasking disabled: parent/child not exercised`);
    }
    return v;
  });
  await step("addRelatedIssue / getRelatedIssues / removeRelatedIssue", async () => {
    need(issue2, "the second issue");
    const a = shape(await admin.addRelatedIssue(K1, { targetIssueId: issue2.id }), S.RelatedIssue);
    expect(a && a.id === issue2.id, `returned issue ${a && a.id}, want ${issue2.id}`);
    const l = list(await admin.getRelatedIssues(K1), S.RelatedIssue, { nonEmpty: true, what: "the related issue just added" });
    expect(ids(l).includes(issue2.id), `related issue not listed`);
    const back = await admin.getRelatedIssues(issue2.issueKey);
    expect(ids(back).includes(issue1.id), `relation is not symmetric`);
    shape(await admin.removeRelatedIssue(K1, issue2.id), S.RelatedIssue);
    const after = await admin.getRelatedIssues(K1);
    expect(!ids(after).includes(issue2.id), `related issue still listed after removal`);
  });

  // Stars: the member comments, the admin stars the member's comment → the
  // member receives a star.
  await step("postStar (issue, comment) / getUserStars / getUserStarsCount / removeStar", async () => {
    need(issue1, "postIssue");
    const r = await admin.postStar({ issueId: issue1.id });
    expect(r === undefined, `postStar returned a body: ${JSON.stringify(r)}`);
    const last = seen[seen.length - 1];
    expect(last && last.status === 204, `postStar status ${last && last.status}, want 204`);
    const is = shape(await admin.getIssue(K1), S.Issue);
    const star = is && is.stars.find((s) => myself && s.presenter.id === myself.id);
    expect(star, `the star is not in issue.stars`);
    if (member) {
      const mc = await member.postIssueComments(K1, { content: `member comment ${tag}` });
      await admin.postStar({ commentId: mc.id });
      const got = list(await admin.getUserStars(memberUser.id, { count: 20 }), S.Star, { nonEmpty: true, what: "the star just given" });
      const c = count(await admin.getUserStarsCount(memberUser.id, {}));
      expect(c >= 1, `getUserStarsCount ${c}`);
      const c2 = count(await admin.getUserStarsCount(memberUser.id, { since: today, until: today }));
      expect(c2 >= 1, `getUserStarsCount(since=until=today) ${c2}`);
      expect(got && got[0] && got[0].presenter.id === myself.id, `latest received star not from the admin`);
    }
    if (star) {
      const rr = await admin.removeStar(star.id);
      expect(rr === undefined, `removeStar returned a body`);
      const again = await admin.getIssue(K1);
      expect(!again.stars.some((s) => s.id === star.id), `star still present after removeStar`);
    }
  });

  await step("watchings: post / list / count / get / patch / markAsRead / delete", async () => {
    need(issue1, "postIssue");
    const w = shape(await admin.postWatchingListItem({ issueIdOrKey: K1, note: "watching" }), S.Watching);
    expect(w && w.issue.id === issue1.id && w.note === "watching", `watching not stored`);
    const l = list(await admin.getWatchingListItems(myself.id, { count: 100 }), S.Watching, { nonEmpty: true, what: "the watching just added" });
    expect(ids(l).includes(w.id), `new watching not listed`);
    const c = count(await admin.getWatchingListCount(myself.id, {}));
    if (l.length < 100) expect(c === l.length, `count ${c} but the list holds ${l.length}`);
    const f = await admin.getWatchingListItems(myself.id, { issueId: [issue1.id] });
    expect(same(ids(f), [w.id]), `issueId[] filter: ${JSON.stringify(ids(f))}`);
    shape(await admin.getWatchingListItem(w.id), S.Watching);
    const p = shape(await admin.patchWatchingListItem(w.id, "changed"), S.Watching);
    expect(p && p.note === "changed", `note ${p && p.note}`);
    const m = await admin.resetWatchingListItemAsRead(w.id);
    expect(m === undefined, `markAsRead returned a body`);
    shape(await admin.deletehWatchingListItem(w.id), S.Watching);
    await expectError(() => admin.getWatchingListItem(w.id), { status: 404, code: 6 });
  });

  // Wiki lifecycle.
  const wiki = await step("postWiki → activity 5", async () => {
    const wp = need(wikiProject, "a project with the wiki enabled");
    const v = shape(await admin.postWiki({ projectId: wp.id, name: `Conformance/${tag}`, content: "first", mailNotify: false }), S.Wiki);
    expect(v && v.content === "first" && v.projectId === wp.id, `page not stored`);
    await expectActivity(WP, 5, (c) => c.id === v.id, `wiki ${v.id}`);
    return v;
  });
  await step("postWikisAttachments / getWikisAttachments / getWikiAttachment", async () => {
    need(wiki, "postWiki");
    const a = await upload("conformance-wiki.txt");
    const v = list(await admin.postWikisAttachments(wiki.id, [a.id]), S.Attachment, { nonEmpty: true, what: "the attachment just added" });
    const l = list(await admin.getWikisAttachments(wiki.id), S.Attachment, { nonEmpty: true, what: "the attachment just added" });
    expect(l.some((x) => x.name === "conformance-wiki.txt"), `attachment not listed`);
    await download(() => admin.getWikiAttachment(wiki.id, v[0].id));
  }, { download: true });
  await step("linkWikisSharedFiles / getWikisSharedFiles / unlinkWikisSharedFiles", async () => {
    need(wiki, "postWiki");
    const f = need(await fileIn(WP), `a shared file in project ${WP}`);
    list(await admin.linkWikisSharedFiles(wiki.id, [f.id]), S.SharedFile, { nonEmpty: true, what: "the linked file" });
    const l = list(await admin.getWikisSharedFiles(wiki.id), S.SharedFile, { nonEmpty: true, what: "the linked file" });
    expect(ids(l).includes(f.id), `linked file not listed`);
    shape(await admin.unlinkWikisSharedFiles(wiki.id, f.id), S.SharedFile);
  });
  await step("recently viewed wiki (POST via backlog.post; no method in backlog-js 0.20.1)", async () => {
    need(wiki, "postWiki");
    await admin.post("users/myself/recentlyViewedWikis", { wikiId: wiki.id });
    const l = list(await admin.getRecentlyViewedWikis({ count: 20 }), S.RecentlyViewedWiki, { nonEmpty: true, what: "the page just viewed" });
    expect(l[0] && l[0].page.id === wiki.id, `most recently viewed page is ${l[0] && l[0].page.id}, want ${wiki.id}`);
  });
  await step("patchWiki → activity 6 + history", async () => {
    const v = shape(await admin.patchWiki(need(wiki, "postWiki").id, { content: "second", mailNotify: false }), S.Wiki);
    expect(v && v.content === "second", `content not updated`);
    await expectActivity(WP, 6, (c) => c.id === wiki.id, `wiki ${wiki.id}`);
    const h = list(await admin.getWikisHistory(wiki.id, { count: 20 }), S.WikiHistory, { nonEmpty: true, what: "the page's versions" });
    expect(h.length >= 2 && h[0].version > h[1].version, `history versions ${JSON.stringify(h.map((x) => x.version))}`);
  });
  await step("postStar (wiki) / getWikisStars", async () => {
    await admin.postStar({ wikiId: need(wiki, "postWiki").id });
    list(await admin.getWikisStars(wiki.id), S.Star, { nonEmpty: true, what: "the star just given" });
  });
  await step("deleteWiki → activity 7 → 404", async () => {
    shape(await admin.deleteWiki(need(wiki, "postWiki").id, false), S.Wiki);
    await expectActivity(WP, 7, (c) => c.id === wiki.id, `wiki ${wiki.id}`);
    await expectError(() => admin.getWiki(wiki.id), { status: 404, code: 6 });
  });

  // Pull requests.
  const pr = await step("postPullRequest → activity 18", async () => {
    need(prs, "an existing pull request (for branch names)");
    const a = await upload("conformance-pr.txt");
    // A pull request may only link an issue of its own project.
    const prIssue = issue1 && issue1.projectId === prs.repo.projectId ? issue1 : null;
    // …and be assigned to a member of that project.
    const rpUsers = await admin.getProjectUsers(RP);
    const prAssignee = rpUsers.find((u) => memberUser && u.id === memberUser.id) || rpUsers[0];
    const params = { summary: `Conformance PR ${tag}`, description: "from run.mjs", base: PR.base, branch: PR.branch,
      ...(prIssue ? { issueId: prIssue.id } : {}), ...(prAssignee ? { assigneeId: prAssignee.id } : {}), attachmentId: [a.id] };
    const v = shape(await admin.postPullRequest(RP, prs.repo.name, params), S.PullRequest);
    expect(v && v.summary === params.summary && v.status.id === 1, `PR not stored as open`);
    if (prIssue) expect(v && v.issue && v.issue.id === prIssue.id, `issueId not stored`);
    await expectActivity(RP, 18, (c) => c.id === v.id && c.number === v.number, `PR #${v.number}`);
    return v;
  });
  await step("patchPullRequest → activity 19", async () => {
    need(pr, "postPullRequest");
    const v = shape(await admin.patchPullRequest(RP, prs.repo.name, need(pr, "postPullRequest").number, { summary: "edited PR", description: "edited" }), S.PullRequest);
    expect(v && v.summary === "edited PR", `summary not updated`);
    await expectActivity(RP, 19, (c) => c.id === pr.id, `PR #${pr.number}`);
  });
  const prc = await step("postPullRequestComments → activity 20", async () => {
    need(pr, "postPullRequest");
    const v = shape(await admin.postPullRequestComments(RP, prs.repo.name, need(pr, "postPullRequest").number, { content: "PR comment" }), S.PullRequestComment);
    expect(v && v.content === "PR comment", `content not stored`);
    await expectActivity(RP, 20, (c) => c.id === pr.id && c.comment && c.comment.id === v.id, `PR #${pr.number}`);
    return v;
  });
  await step("patchPullRequestComments", async () => {
    need(prc, "postPullRequestComments");
    const v = shape(await admin.patchPullRequestComments(RP, prs.repo.name, pr.number, need(prc, "postPullRequestComments").id, { content: "edited" }), S.PullRequestComment);
    expect(v && v.content === "edited", `content ${v && v.content}`);
    const l = list(await admin.getPullRequestComments(RP, prs.repo.name, pr.number, {}), S.PullRequestComment, { nonEmpty: true, what: "the comment just added" });
    const c = count(await admin.getPullRequestCommentsCount(RP, prs.repo.name, pr.number));
    expect(c === l.length, `count ${c}, list ${l.length}`);
  });
  await step("getPullRequestAttachments + getPullRequestAttachment (after writes)", async () => {
    need(pr, "postPullRequest");
    const l = list(await admin.getPullRequestAttachments(RP, prs.repo.name, need(pr, "postPullRequest").number), S.Attachment, { nonEmpty: true, what: "the attachment just added" });
    await download(() => admin.getPullRequestAttachment(RP, prs.repo.name, pr.number, l[0].id));
  }, { download: true });
  await step("postStar (pull request, PR comment)", async () => {
    await admin.postStar({ pullRequestId: need(pr, "postPullRequest").id });
    await admin.postStar({ pullRequestCommentId: need(prc, "postPullRequestComments").id });
    const v = shape(await admin.getPullRequest(RP, prs.repo.name, pr.number), S.PullRequest);
    expect(v && v.stars.length >= 1, `PR stars empty after postStar`);
  });

  // Documents.
  await step("addDocument / getDocument / deleteDocument → activities 36, 37", async () => {
    const dp = need(docProject || P, "a project");
    const title = `Conformance ${tag}`;
    const v = shape(await admin.addDocument({ projectId: dp.id, title, content: "# Hello\n\nfrom run.mjs", emoji: "📄" }), S.DocumentWritten);
    expect(v && v.title === title && v.json !== null && typeof v.plain === "string", `add-document answer: title/json/plain not stored`);
    const g = shape(await admin.getDocument(v.id), S.Document);
    expect(g && g.title === title && g.plain.includes("Hello"), `getDocument: title/plain not stored`);
    const flatten = (n, out = []) => { out.push(n.id); (n.children || []).forEach((c) => flatten(c, out)); return out; };
    const tree = shape(await admin.getDocumentTree(dp.projectKey), S.DocumentTree);
    expect(tree && flatten(tree.activeTree).includes(v.id), `new document not in activeTree`);
    await expectActivity(dp.projectKey, 36, (c) => c.id === v.id, `document ${v.id}`);
    const d = shape(await admin.deleteDocument(v.id), S.DocumentWritten);
    expect(d && d.json === null && d.plain === null, `delete-document answer: json/plain should be null (DOC example)`);
    await expectActivity(dp.projectKey, 37, (c) => c.id === v.id, `document ${v.id}`);
    // A deleted document moves to the trash (behaviour.md §7): it must leave
    // activeTree; whether GET still answers is not documented.
    const after = shape(await admin.getDocumentTree(dp.projectKey), S.DocumentTree);
    expect(after && !flatten(after.activeTree).includes(v.id), `deleted document still in activeTree`);
    expect(after && flatten(after.trashTree).includes(v.id), `deleted document not in trashTree`);
    const listed = await admin.getDocuments({ projectId: [dp.id], offset: 0, count: 100 });
    expect(!ids(listed).includes(v.id), `deleted document still in getDocuments`);
  });

  // Project metadata, on a project made for the purpose.
  const np = await step("postProject", async () => {
    const v = shape(await admin.postProject({ name: `Conformance ${tag}`, key: `CONF${tag.toUpperCase().replace(/[^A-Z0-9]/g, "")}`.slice(0, 20),
      chartEnabled: false, subtaskingEnabled: true, textFormattingRule: "markdown" }), S.Project);
    expect(v && v.textFormattingRule === "markdown" && v.subtaskingEnabled === true, `settings not stored`);
    const st = list(await admin.getProjectStatuses(v.projectKey), S.Status, { nonEmpty: true, what: "built-in statuses" });
    expect(same(ids(st), [1, 2, 3, 4]), `a new project's statuses ${JSON.stringify(ids(st))}, want [1,2,3,4]`);
    const it = list(await admin.getIssueTypes(v.projectKey), S.IssueType, { nonEmpty: true, what: "default issue types" });
    expect(it.length === 4, `a new project has ${it.length} issue types, want the 4 defaults`);
    return v;
  });
  const NP = np && np.projectKey;
  await step("patchProject", async () => {
    const v = shape(await admin.patchProject(need(NP, "postProject"), { name: `Conformance ${tag} renamed`, chartEnabled: true }), S.Project);
    expect(v && v.name.endsWith("renamed") && v.chartEnabled === true, `not updated`);
  });
  await step("categories: post / patch / delete", async () => {
    const c = shape(await admin.postCategories(need(NP, "postProject"), { name: "cat" }), S.Category);
    const p = shape(await admin.patchCategories(NP, c.id, { name: "cat2" }), S.Category);
    expect(p && p.name === "cat2", `name not updated`);
    shape(await admin.deleteCategories(NP, c.id), S.Category);
    expect(!ids(await admin.getCategories(NP)).includes(c.id), `deleted category still listed`);
  });
  await step("versions: post / patch / delete → activities 22, 23, 24", async () => {
    const v = shape(await admin.postVersions(need(NP, "postProject"), { name: "v1", description: "d", startDate: "2026-03-01", releaseDueDate: "2026-03-31" }), S.Version);
    expect(v && v.startDate === "2026-03-01T00:00:00Z" && v.releaseDueDate === "2026-03-31T00:00:00Z", `dates ${v && v.startDate}/${v && v.releaseDueDate}`);
    await expectActivity(NP, 22, (c) => c.id === v.id, `version ${v.id}`);
    const p = shape(await admin.patchVersions(NP, v.id, { name: "v1.1", archived: true }), S.Version);
    expect(p && p.name === "v1.1" && p.archived === true, `not updated`);
    await expectActivity(NP, 23, (c) => c.id === v.id, `version ${v.id}`);
    shape(await admin.deleteVersions(NP, v.id), S.Version);
    await expectActivity(NP, 24, (c) => c.id === v.id, `version ${v.id}`);
  });
  await step("issue types: post / patch / delete", async () => {
    const t = shape(await admin.postIssueType(need(NP, "postProject"), { name: "Conf", color: "#e30000" }), S.IssueType);
    const p = shape(await admin.patchIssueType(NP, t.id, { name: "Conf2", color: "#990000" }), S.IssueType);
    expect(p && p.name === "Conf2" && p.color === "#990000", `not updated`);
    const sub = (await admin.getIssueTypes(NP)).find((x) => x.id !== t.id);
    shape(await admin.deleteIssueType(NP, t.id, { substituteIssueTypeId: sub.id }), S.IssueType);
    await expectError(() => admin.postIssueType(NP, { name: "Bad", color: "#123456" }), { status: 400, code: 7 });
  });
  await step("statuses: post / patch / reorder / delete", async () => {
    const s = shape(await admin.postProjectStatus(need(NP, "postProject"), { name: "Review", color: "#ea2c00" }), S.Status);
    const p = shape(await admin.patchProjectStatus(NP, s.id, { name: "Reviewing" }), S.Status);
    expect(p && p.name === "Reviewing", `not updated`);
    const order = [1, 2, s.id, 3, 4];
    const r = list(await admin.patchProjectStatusOrder(NP, order), S.Status, { nonEmpty: true, what: "statuses" });
    expect(same(ids(r), order), `order ${JSON.stringify(ids(r))}, want ${JSON.stringify(order)}`);
    shape(await admin.deleteProjectStatus(NP, s.id, 1), S.Status);
    expect(!ids(await admin.getProjectStatuses(NP)).includes(s.id), `deleted status still listed`);
  });
  await step("custom fields: post / patch / items / delete", async () => {
    const t = shape(await admin.postCustomField(need(NP, "postProject"), { typeId: 1, name: "Conf text", description: "d", required: false }), S.CustomField);
    const tp = shape(await admin.patchCustomField(NP, t.id, { name: "Conf text 2" }), S.CustomField);
    expect(tp && tp.name === "Conf text 2", `not updated`);
    const l = shape(await admin.postCustomField(NP, { typeId: 6, name: "Conf list", items: ["a", "b"] }), S.CustomField);
    expect(l && same(l.items.map((i) => i.name), ["a", "b"]), `items ${JSON.stringify(l && l.items)}`);
    const li = shape(await admin.postCustomFieldItem(NP, l.id, { name: "c" }), S.CustomField);
    const c = li.items.find((i) => i.name === "c");
    expect(c, `item not added`);
    const lp = shape(await admin.patchCustomFieldItem(NP, l.id, c.id, { name: "c2" }), S.CustomField);
    expect(lp.items.some((i) => i.id === c.id && i.name === "c2"), `item not renamed`);
    const ld = shape(await admin.deleteCustomFieldItem(NP, l.id, c.id), S.CustomField);
    expect(!ld.items.some((i) => i.id === c.id), `item not deleted`);
    const n = shape(await admin.postCustomField(NP, { typeId: 3, name: "Conf num", min: 0, max: 10, initialValue: 5, unit: "pt" }), S.CustomField);
    expect(n && n.min === 0 && n.max === 10 && n.initialValue === 5 && n.unit === "pt", `numeric settings ${JSON.stringify(n)}`);
    const d = shape(await admin.postCustomField(NP, { typeId: 4, name: "Conf date", min: "2026-01-01", max: "2026-12-31" }), S.CustomField);
    expect(d && d.min === "2026-01-01T00:00:00Z", `date min ${d && d.min}`);
    list(await admin.getCustomFields(NP), S.CustomField, { nonEmpty: true, what: "the fields just added" });
    for (const f of [t, l, n, d]) shape(await admin.deleteCustomField(NP, f.id), S.CustomField);
    expect((await admin.getCustomFields(NP)).length === 0, `custom fields remain after deletion`);
  });
  await step("webhooks: post / list / get / patch / delete", async () => {
    const w = shape(await admin.postWebhook(need(NP, "postProject"), { name: "hook", description: "d", hookUrl: "http://127.0.0.1:9/hook", allEvent: false, activityTypeIds: [1, 2] }), S.Webhook);
    expect(w && same(w.activityTypeIds, [1, 2]), `activityTypeIds ${JSON.stringify(w && w.activityTypeIds)}`);
    list(await admin.getWebhooks(NP), S.Webhook, { nonEmpty: true, what: "the webhook just added" });
    shape(await admin.getWebhook(NP, w.id), S.Webhook);
    const p = shape(await admin.patchWebhook(NP, w.id, { name: "hook2", allEvent: true }), S.Webhook);
    expect(p && p.name === "hook2" && p.allEvent === true, `not updated`);
    shape(await admin.deleteWebhook(NP, w.id), S.Webhook);
    await expectError(() => admin.getWebhook(NP, w.id), { status: 404, code: 6 });
  });
  await step("project users / administrators → activities 15, 16", async () => {
    need(NP, "postProject");
    const u = need((users || []).find((x) => x.roleType !== 1), "a non-admin user");
    const a = shape(await admin.postProjectUser(NP, u.id), S.User);
    expect(a && a.id === u.id, `returned user ${a && a.id}`);
    await expectActivity(NP, 15, (c) => Array.isArray(c.users) && c.users.some((x) => x.id === u.id), `user ${u.id}`);
    shape(await admin.postProjectAdministrators(NP, { userId: u.id }), S.User);
    expect(ids(await admin.getProjectAdministrators(NP)).includes(u.id), `not listed as administrator`);
    shape(await admin.deleteProjectAdministrators(NP, { userId: u.id }), S.User);
    shape(await admin.deleteProjectUsers(NP, { userId: u.id }), S.User);
    await expectActivity(NP, 16, (c) => Array.isArray(c.users) && c.users.some((x) => x.id === u.id), `user ${u.id}`);
    expect(!ids(await admin.getProjectUsers(NP)).includes(u.id), `removed user still a member`);
  });
  await step("project teams → activities 25, 26", async () => {
    const t = need(teams && teams[0], "a team");
    shape(await admin.postProjectTeam(need(NP, "postProject"), t.id), S.Team);
    expect(ids(await admin.getProjectTeams(NP)).includes(t.id), `team not listed`);
    await expectActivity(NP, 25, (c) => Array.isArray(c.parties) && c.parties.some((x) => x.id === t.id), `team ${t.id}`);
    shape(await admin.deleteProjectTeam(NP, t.id), S.Team);
    await expectActivity(NP, 26, (c) => Array.isArray(c.parties) && c.parties.some((x) => x.id === t.id), `team ${t.id}`);
  });
  await step("deleteProject → 404", async () => {
    shape(await admin.deleteProject(need(NP, "postProject")), S.Project);
    await expectError(() => admin.getProject(NP), { status: 404, code: 6 });
  });

  // Deletions on the main project.
  await step("deleteIssueComment", async () => {
    const v = shape(await admin.deleteIssueComment(K1, need(comment1, "postIssueComments").id), S.Comment);
    expect(v && v.id === comment1.id, `returned comment ${v && v.id}`);
    await expectError(() => admin.getIssueComment(K1, comment1.id), { status: 404, code: 6 });
  });
  await step("deleteIssue → activity 4 → 404", async () => {
    const is = need(issue2, "the second issue");
    const v = shape(await admin.deleteIssue(is.issueKey), S.Issue);
    expect(v && v.id === is.id, `returned issue ${v && v.id}`);
    await expectActivity(PK, 4, (c) => c.id === is.id && c.key_id === is.keyId, is.issueKey);
    await expectError(() => admin.getIssue(is.issueKey), { status: 404, code: 6 });
  });
}

// ============================================================================
// Summary
// ============================================================================

const pass = results.filter((r) => r.status === "pass");
const fail = results.filter((r) => r.status === "fail");
const blocked = results.filter((r) => r.status === "blocked");

console.log(`backlog-js conformance against ${base.origin} (${plainHTTP ? "http via fetch rewrite" : "https"})`);
for (const r of results) {
  if (r.status === "pass" && !verbose) continue;
  console.log(`${r.status.toUpperCase().padEnd(7)} ${r.name}`);
  for (const p of r.problems) console.log(`        - ${p}`);
  if (verbose) for (const w of r.warnings) console.log(`        ~ ${w}`);
}
const warnCount = results.reduce((n, r) => n + r.warnings.length, 0);
if (!verbose && warnCount > 0) console.log(`(${warnCount} warnings: extra fields or empty lists; BACKLOG_VERBOSE=1 lists them)`);
console.log(`conformance: ${pass.length} passed, ${fail.length + blocked.length} failed (${fail.length} failed, ${blocked.length} blocked)`);
process.exit(fail.length + blocked.length === 0 ? 0 : 1);
