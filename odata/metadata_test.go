package odata

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func get(t testing.TB, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp, body
}

func TestMetadataGolden(t *testing.T) {
	srv := serve(t, demoDest(t, 3), Options{})
	resp, body := get(t, srv.URL+"/odata/demo/$metadata", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml;charset=utf-8" {
		t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	golden := filepath.Join("testdata", "metadata.xml")
	if *update {
		if err := os.WriteFile(golden, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("$metadata differs from %s (run go test ./odata -run TestMetadataGolden -update):\n%s", golden, body)
	}
	// Type names the XSD does not check.
	for _, m := range regexp.MustCompile(`Type="(Edm\.[A-Za-z]+)"`).FindAllSubmatch(body, -1) {
		switch string(m[1]) {
		case "Edm.Int64", "Edm.String", "Edm.Boolean", "Edm.Double", "Edm.Date", "Edm.DateTimeOffset":
		default:
			t.Errorf("unexpected type %s", m[1])
		}
	}
	for _, want := range []string{
		`<NavigationProperty Name="Project" Type="Backlog.Projects" Nullable="true" Partner="Issues">`,
		`<ReferentialConstraint Property="ProjectId" ReferencedProperty="Id"/>`,
		`<NavigationProperty Name="Issue" Type="Backlog.Issues"`,
		`<NavigationProperty Name="IssueComments" Type="Collection(Backlog.IssueComments)" Partner="Issue"/>`,
		`<NavigationPropertyBinding Path="Project" Target="Projects"/>`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("$metadata lacks %s", want)
		}
	}
}
