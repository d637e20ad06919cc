package config_test

import (
	"fmt"

	"github.com/backlogsync/backlogsync/config"
)

func ExampleParseCData() {
	xml := `<CDataSync>
  <DatabaseType>PostgreSQL</DatabaseType>
  <ConnectionString>AuthScheme=APIToken;APIKey=s3cret;URL=https://example.backlog.com;</ConnectionString>
  <DatabaseConnectionString>Server=db;Port=5432;Database=backlog;User=sync;Password=pw;</DatabaseConnectionString>
  <ReplicateAll>True</ReplicateAll>
  <TaskSchedulerInterval>Never</TaskSchedulerInterval>
</CDataSync>`
	cfg, err := config.ParseCData([]byte(xml), "prod.xml", config.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, d, j := cfg.Accounts[0], cfg.Destinations[0], cfg.Jobs[0]
	fmt.Println(a.Name, a.URL, a.Auth.Scheme, a.Auth.APIKey)
	fmt.Println(d)
	fmt.Println(j.Name, j.Destination, j.ReplicateAll, j.Schedule.Interval)
	// Output:
	// example https://example.backlog.com api_key ****
	// default (postgres) postgres://sync:****@db:5432/backlog
	// prod default true never
}

func ExampleDestination_DriverDSN() {
	for _, d := range []config.Destination{
		{Type: config.MySQL, DSN: "Server=maria;Port=3306;Database=backlog;Uid=sync;Pwd=pw;SslMode=Required"},
		{Type: config.Postgres, DSN: "host=db dbname=backlog user=sync"},
		{Type: config.SQLite, DSN: "Data Source=/var/lib/backlog.db;Journal Mode=WAL"},
	} {
		dsn, err := d.DriverDSN()
		fmt.Println(dsn, err)
	}
	// Output:
	// sync:pw@tcp(maria:3306)/backlog?tls=skip-verify <nil>
	// postgres://sync@db/backlog <nil>
	// file:/var/lib/backlog.db?_pragma=journal_mode%28WAL%29 <nil>
}
