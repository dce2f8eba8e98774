package go_tests

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// TestHeaderDeclaresEveryExport: capi/flern.h, the ABI's hand-written
// header, declares every function capi exports (//export) and nothing else.
func TestHeaderDeclaresEveryExport(t *testing.T) {
	files, err := filepath.Glob("../capi/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no capi sources: %v", err)
	}
	exported := map[string]bool{}
	exportRe := regexp.MustCompile(`(?m)^//export (flern_\w+)$`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range exportRe.FindAllStringSubmatch(string(src), -1) {
			exported[m[1]] = true
		}
	}
	hdr, err := os.ReadFile("../capi/flern.h")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	declRe := regexp.MustCompile(`(?m)^[a-z_]+[a-z0-9_ ]*\*?\s*\**(flern_\w+)\(`)
	for _, m := range declRe.FindAllStringSubmatch(string(hdr), -1) {
		declared[m[1]] = true
	}
	var missing, extra []string
	for name := range exported {
		if !declared[name] {
			missing = append(missing, name)
		}
	}
	for name := range declared {
		if !exported[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("capi/flern.h: exported but not declared %v; declared but not exported %v", missing, extra)
	}
	if len(exported) < 10 {
		t.Errorf("found only %d exports", len(exported))
	}
}
