package jobsql_test

import (
	"errors"
	"fmt"

	"github.com/backlogsync/backlogsync/jobsql"
)

func ExampleParse() {
	src := `-- jobs.sql
REPLICATE PROD.Issues WITH ReplicateStartDate='2024-01-01', BatchSize=500
  SELECT * FROM Issues WHERE ProjectId = 3 AND StatusId IN (1, 2);
CHECKCACHE PROD_Issues AGAINST Issues WITH REPAIR SKIP MODIFIED`
	stmts, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := stmts[0].(*jobsql.Replicate)
	fmt.Println(r.Dest.Schema, r.Dest.Name, "from", r.Source.Name)
	fmt.Println(r.Settings.ReplicateStartDate.Format("2006-01-02"), r.Settings.BatchSize, r.Settings.ReplicateInterval, r.Settings.ReplicateIntervalUnit)
	for _, c := range jobsql.Conjuncts(r.Select.Where) {
		fmt.Printf("%s at %s\n", c, c.Position())
	}
	fmt.Println(stmts[1])
	// Output:
	// PROD Issues from Issues
	// 2024-01-01 500 180 days
	// ProjectId = 3 at jobs.sql:3:40
	// StatusId IN (1, 2) at jobs.sql:3:57
	// CHECKCACHE PROD_Issues AGAINST Issues WITH REPAIR SKIP MODIFIED
}

func ExampleErrorList() {
	_, err := jobsql.Parse("jobs.sql", "REPLICATE Issues WITH TrunateTable=True;\nREPLICATE WITH DropTable")
	var list jobsql.ErrorList
	if errors.As(err, &list) {
		fmt.Print(list.Detail())
	}
	// Output:
	// jobs.sql:1:23: unknown option TrunateTable: did you mean TruncateTable?
	//     REPLICATE Issues WITH TrunateTable=True;
	//                           ^
	// jobs.sql:2:11: expected table name after REPLICATE, found "WITH"
	//     REPLICATE WITH DropTable
	//               ^
}
