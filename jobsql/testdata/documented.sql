-- The documented forms of CData Sync's REPLICATE command (peers.md §1.2).
REPLICATE Issues;
REPLICATE PROD_Issues SELECT * FROM Issues;
REPLICATE PROD.Issues SELECT * FROM Issues WHERE ProjectId = 3;
REPLICATE REP_Table SELECT DateModified, CONCAT(FirstName,' ',LastName) AS FullName FROM Table1 WHERE FirstName LIKE '%Tim%';
REPLICATE Issues WITH IncrementalCheckColumns='updated';
REPLICATE Issues WITH BatchSize='10000', DropTable='false';
/* a block comment
   spanning lines */ REPLICATE Projects   -- the last statement may omit its ';'
