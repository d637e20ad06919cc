-- Every WITH option, every accepted value form.
REPLICATE A WITH DropTable, TruncateTable=True, AlterSchema=false, AutoTruncateStrings='TRUE',
  ContinueOnError=True, SkipDeleted=True, UseGmtDateTime=False;
REPLICATE B WITH BatchSize=500, CommandTimeout=0, Verbosity=4, ReplicateInterval='7', ReplicateIntervalUnit=weeks;
REPLICATE C WITH ReplicateStartDate='2024-01-31', ReplicateIntervalUnit='Hour', ReplicateInterval=12;
REPLICATE D WITH ReplicateStartDate='2024-01-31 09:30:00';
REPLICATE E WITH ReplicateStartDate='2024-01-31T09:30:00+09:00';
REPLICATE F WITH ReplicateStartDate=12345;
REPLICATE G WITH IncrementalCheckColumns='Updated, [Created]', TableNamePrefix='PROD_', CacheSchema="prod";
REPLICATE H WITH OtherCacheOptions='Foo=1;Bar=it''s', ReplicateIntervalUnit=MINUTES;
REPLICATE I WITH IncrementalCheckColumns=Updated, ReplicateIntervalUnit=months;
REPLICATE J WITH ReplicateIntervalUnit=years, ReplicateIntervalUnit2=1;
-- CData's other spellings map to the canonical names.
REPLICATE K WITH truncatetabledata=TRUE, Table_Name_Prefix='ACME_', Destination_Schema='acme', dropTABLE=false;
REPLICATE L WITH ReplicateIntervalUnit=days SELECT Id FROM Issues;
-- Update modes, in any letter case.
REPLICATE M WITH UpdateMode=Append;
REPLICATE N WITH UpdateMode='replace', BatchSize=10;
REPLICATE O WITH updatemode=MERGE;
