-- Several bad statements: the first error of each is reported and parsing
-- continues after the next ';', so the good statements still come back.
REPLICATE Issues;
REPLICATE WITH DropTable=True SELECT * FROM Issues;
REPLICATE Projects WITH TrunateTable=True;
REPLICATE Users WITH DropTable=yes, BatchSize=0;
REPLICATE Wikis;
REPLICATE A (Id INT PRIMARY KEY, Key2 INT PRIMARY KEY) SELECT * FROM A;
REPLICATE B SELECT * FROM B WHERE a = 'it''s; still a string' AND;
CHECKCACHE C WITH REPAIR SKIP EVERYTHING;
REPLICATE D SELECT * FROM D WHERE a NOT = 1;
REPLICATE E SELECT * FROM D WHERE x IN (1, 2
REPLICATE F;
REPLICATE G WITH ReplicateIntervalUnit=fortnight;
	REPLICATE	H	WITH	BatchSize=-1;
REPLICATE Done
;
REPLICATE P WITH UpdateMode=Apend;
REPLICATE Q WITH UpdateMode=Upsert;
REPLICATE R WITH UpdateMode;
