package odata

import (
	"encoding/xml"
	"strings"

	bs "github.com/backlogsync/backlogsync"
)

// Namespace is the CSDL schema namespace of every workspace.
const Namespace = "Backlog"

// edmType maps a column type to its CSDL type. TIMESTAMP values are whole
// seconds in UTC (Precision 0); JSON is published as its text.
func edmType(t bs.Type) string {
	switch t {
	case bs.TypeInt:
		return "Edm.Int64"
	case bs.TypeFloat:
		return "Edm.Double"
	case bs.TypeBool:
		return "Edm.Boolean"
	case bs.TypeDate:
		return "Edm.Date"
	case bs.TypeTimestamp:
		return "Edm.DateTimeOffset"
	}
	return "Edm.String"
}

func attr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

// metadataXML renders the CSDL XML 4.0 document of m: flat entity types (no
// complex types, inheritance or containment, which older Power Query
// readers reject), keys, nullability and navigation properties with
// referential constraints.
func metadataXML(m *model) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">` + "\n")
	b.WriteString(`  <edmx:DataServices>` + "\n")
	b.WriteString(`    <Schema Namespace="` + Namespace + `" xmlns="http://docs.oasis-open.org/odata/ns/edm">` + "\n")
	for _, s := range m.Sets {
		b.WriteString(`      <EntityType Name="` + attr(s.Name) + `">` + "\n")
		b.WriteString(`        <Key>` + "\n")
		for _, k := range s.Def.PrimaryKey {
			b.WriteString(`          <PropertyRef Name="` + attr(k) + `"/>` + "\n")
		}
		b.WriteString(`        </Key>` + "\n")
		inKey := map[string]bool{}
		for _, k := range s.Def.PrimaryKey {
			inKey[k] = true
		}
		for _, c := range s.Def.Columns {
			b.WriteString(`        <Property Name="` + attr(c.Name) + `" Type="` + edmType(c.Type) + `"`)
			if inKey[c.Name] || !c.Nullable {
				b.WriteString(` Nullable="false"`)
			}
			if c.Type == bs.TypeTimestamp {
				b.WriteString(` Precision="0"`)
			}
			b.WriteString("/>\n")
		}
		for _, n := range s.Navs {
			typ := Namespace + "." + n.Target.Name
			if n.Many {
				typ = "Collection(" + typ + ")"
			}
			b.WriteString(`        <NavigationProperty Name="` + attr(n.Name) + `" Type="` + attr(typ) + `"`)
			if !n.Many {
				if n.Nullable {
					b.WriteString(` Nullable="true"`)
				} else {
					b.WriteString(` Nullable="false"`)
				}
			}
			b.WriteString(` Partner="` + attr(n.Partner) + `"`)
			if n.Many {
				b.WriteString("/>\n")
				continue
			}
			b.WriteString(">\n")
			for i := range n.Local {
				b.WriteString(`          <ReferentialConstraint Property="` + attr(n.Local[i]) + `" ReferencedProperty="` + attr(n.Remote[i]) + `"/>` + "\n")
			}
			b.WriteString(`        </NavigationProperty>` + "\n")
		}
		b.WriteString(`      </EntityType>` + "\n")
	}
	b.WriteString(`      <EntityContainer Name="Container">` + "\n")
	for _, s := range m.Sets {
		if len(s.Navs) == 0 {
			b.WriteString(`        <EntitySet Name="` + attr(s.Name) + `" EntityType="` + Namespace + "." + attr(s.Name) + `"/>` + "\n")
			continue
		}
		b.WriteString(`        <EntitySet Name="` + attr(s.Name) + `" EntityType="` + Namespace + "." + attr(s.Name) + `">` + "\n")
		for _, n := range s.Navs {
			b.WriteString(`          <NavigationPropertyBinding Path="` + attr(n.Name) + `" Target="` + attr(n.Target.Name) + `"/>` + "\n")
		}
		b.WriteString(`        </EntitySet>` + "\n")
	}
	b.WriteString(`      </EntityContainer>` + "\n")
	b.WriteString(`    </Schema>` + "\n")
	b.WriteString(`  </edmx:DataServices>` + "\n")
	b.WriteString(`</edmx:Edmx>` + "\n")
	return []byte(b.String())
}
