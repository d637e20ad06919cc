-- Column lists: partial definitions, types and their synonyms, keys.
REPLICATE Issues (Id BIGINT PRIMARY KEY, Summary VARCHAR(255) NOT NULL, Estimated DECIMAL(10, 2) NULL) SELECT * FROM Issues;
REPLICATE IssueVersions (IssueId INT, VersionId int, PRIMARY KEY (IssueId, VersionId)) SELECT * FROM IssueVersions;
REPLICATE T (a integer, b long, c double precision, d real, e bool, f bit, g text, h nvarchar(50), i date,
  j datetime, k timestamp, l json, m string NOT NULL PRIMARY KEY) WITH DropTable SELECT * FROM T;
REPLICATE [My Table] ([Key] INT, "Primary" INT, `select` TEXT, PRIMARY KEY ([Key])) Src;
REPLICATE Only (PRIMARY KEY (Id)) Issues;
