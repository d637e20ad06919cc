REPLICATE	Issues
;;;
-- empty statements and comments between statements are ignored
REPLICATE /* inline */ Projects/*no space*/SELECT/**/*FROM Projects;
REPLICATE "quoted ""dest""".`back``tick` SELECT [a]]b] FROM [weird table];
REPLICATE 課題 SELECT 件名 FROM 課題 WHERE 状態 = '完了';
