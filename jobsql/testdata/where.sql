-- WHERE: every operator, literal and precedence.
REPLICATE W SELECT * FROM Issues WHERE a = 1 AND b != 2 AND c <> 3 AND d < 4 AND e <= 5 AND f > 6 AND g >= 7;
REPLICATE W SELECT * FROM Issues WHERE a IN (1, 2, 3) OR b NOT IN ('x', 'y') OR c BETWEEN 1 AND 10 OR d NOT BETWEEN -1.5 AND 2e3;
REPLICATE W SELECT * FROM Issues WHERE a IS NULL AND b IS NOT NULL AND c LIKE 'x%' AND d NOT LIKE '_y''s';
REPLICATE W SELECT * FROM Issues WHERE NOT a = 1 OR NOT (b = 2 OR c = 3) AND d = TRUE AND e = false AND f = null;
REPLICATE W SELECT * FROM Issues WHERE (a = 1 OR b = 2) AND (c = 3 OR (d = 4 AND e = 5)) AND ((f = 6));
REPLICATE W SELECT * FROM Issues WHERE a OR b AND c OR NOT NOT d;
REPLICATE W SELECT * FROM Issues WHERE Updated > REPLICATE_LASTMODTIME() AND Updated <= replicate_nextinterval();
REPLICATE W SELECT * FROM Issues WHERE Created >= '2024-01-01' AND Issues.ProjectId = .5 AND [Due Date] < '2024-02-01 10:00';
REPLICATE W SELECT Id, Summary S, [Key] AS [Issue Key], Issues.StatusId, 'const' AS C, COALESCE(a, b) FROM Backlog.Issues;
replicate w select * from issues where a = 1 and (b = 2 or c = 3)
