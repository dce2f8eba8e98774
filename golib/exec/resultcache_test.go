package exec_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/csvio"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/ir/wire"
)

func rcFrame(n int) *col.Frame {
	c := &col.Column{Type: ir.Int64, N: n, I64: make([]int64, n)}
	return &col.Frame{Names: []string{"a"}, Cols: []*col.Column{c}, N: n}
}

func TestResultCacheLRUAndBudget(t *testing.T) {
	rc := exec.NewResultCache(3 * 800) // three 100-row int64 frames
	for _, k := range []string{"a", "b", "c"} {
		rc.Put(k, rcFrame(100), nil)
	}
	if _, ok := rc.Get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	rc.Put("d", rcFrame(100), nil) // evicts b, the least recently used
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if rc.Contains(k) != want {
			t.Errorf("Contains(%s) = %v, want %v", k, !want, want)
		}
	}
	rc.Put("huge", rcFrame(1000), nil) // larger than the whole budget: not kept, nothing evicted
	if rc.Contains("huge") || rc.Stats().Entries != 3 || rc.Stats().TooBig != 1 {
		t.Errorf("a frame over the budget was kept or evicted others: %+v", rc.Stats())
	}
	if !rc.TooBig("huge") || rc.TooBig("a") { // the engine no longer keeps it
		t.Errorf("TooBig(huge) = %v, TooBig(a) = %v", rc.TooBig("huge"), rc.TooBig("a"))
	}
	rc.SetBudget(800)
	if s := rc.Stats(); s.Entries != 1 || s.Bytes != 800 || !rc.Contains("d") {
		t.Errorf("after shrinking the budget: %+v", s)
	}
	rc.Drop("d")
	if s := rc.Stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Errorf("after Drop: %+v", s)
	}
}

func TestResultCacheDropsEntriesOfAChangedFile(t *testing.T) {
	rc := exec.NewResultCache(1 << 20)
	v1 := exec.FileID{Path: "/x.csv", ID: "1"}
	v2 := exec.FileID{Path: "/x.csv", ID: "2"}
	other := exec.FileID{Path: "/y.csv", ID: "1"}
	rc.Put("old", rcFrame(10), []exec.FileID{v1, other})
	rc.Put("y", rcFrame(10), []exec.FileID{other})
	rc.Put("new", rcFrame(10), []exec.FileID{v2})
	if rc.Contains("old") || !rc.Contains("y") || !rc.Contains("new") {
		t.Errorf("entries after the file changed: old %v y %v new %v", rc.Contains("old"), rc.Contains("y"), rc.Contains("new"))
	}
}

// rcGraph decodes a plan of the given nodes (output: the last node).
func rcGraph(t *testing.T, nodes string, out string) *ir.Graph {
	t.Helper()
	g, err := wire.Decode([]byte(`{"magic": "flern-plan", "version": 1, "nodes": [` + nodes + `], "outputs": [` + out + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSubplanKeys(t *testing.T) {
	if frame.SniffCSV == nil {
		frame.SniffCSV = csvio.Sniff
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a,b\n1,2.5\n3,4.5\n")
	scan := `{"id": 0, "op": "scan_csv", "inputs": [], "attrs": {"path": "` + path + `"}}`
	filter := func(lit string) string {
		return `{"id": 1, "op": "filter", "inputs": [0], "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "b"}, ` + lit + `]}}}`
	}
	f64 := `{"k": "lit", "t": "float64", "v": "1.5"}`
	f32 := `{"k": "lit", "t": "float32", "v": "1.5"}`
	src := `{"id": 0, "op": "source", "inputs": [], "attrs": {"input": 0, "fields": [{"name": "a", "type": "int64", "nullable": false}, {"name": "b", "type": "float64", "nullable": false}]}}`
	sample := `{"id": 2, "op": "sample", "inputs": [1], "attrs": {"n": 1, "seed": 3}}`
	proj := `{"id": 3, "op": "select", "inputs": [2], "attrs": {"columns": ["a"]}}`

	base, _ := exec.SubplanKeys(rcGraph(t, scan+","+filter(f64), "1"))
	again, files := exec.SubplanKeys(rcGraph(t, scan+","+filter(f64), "1"))
	if base[1] == "" || base[0] == "" || base[1] != again[1] {
		t.Fatalf("keys of one plan differ or are empty: %q %q", base, again)
	}
	if len(files[1]) != 1 || files[1][0].Path != path {
		t.Errorf("files of the filter: %v", files[1])
	}
	cases := []struct {
		name  string
		nodes string
		node  int
		same  bool // the key equals base's filter key ("" never does)
		empty bool
	}{
		{"float32 literal", scan + "," + filter(f32), 1, false, false},
		{"other value", scan + "," + filter(`{"k": "lit", "t": "float64", "v": "2.5"}`), 1, false, false},
		{"in-memory source", src + "," + filter(f64), 1, false, true},
		{"random op", scan + "," + filter(f64) + "," + sample, 2, false, true},
		{"above a random op", scan + "," + filter(f64) + "," + sample + "," + proj, 3, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys, _ := exec.SubplanKeys(rcGraph(t, c.nodes, "0"))
			if got := keys[c.node]; (got == "") != c.empty || (got == base[1]) != c.same {
				t.Errorf("key %q (base %q)", got, base[1])
			}
		})
	}
	// the same plan over a rewritten file: new keys
	time.Sleep(10 * time.Millisecond)
	write("a,b\n1,2.5\n3,4.5\n5,6.5\n")
	changed, _ := exec.SubplanKeys(rcGraph(t, scan+","+filter(f64), "1"))
	if changed[0] == base[0] || changed[1] == base[1] {
		t.Errorf("a rewritten file kept its keys")
	}
	os.Remove(path)
	if _, ok := exec.StatFile(path); ok {
		t.Errorf("StatFile of a removed file")
	}
}

func TestResultCacheCountsSharedColumnsOnce(t *testing.T) {
	rc := exec.NewResultCache(1 << 20)
	base := rcFrame(100) // 800 bytes
	extra := &col.Column{Type: ir.Float64, N: 100, F64: make([]float64, 100)}
	wider := &col.Frame{Names: []string{"a", "b"}, Cols: []*col.Column{base.Cols[0], extra}, N: 100}
	rc.Put("base", base, nil)
	rc.Put("wider", wider, nil)
	if got := rc.Stats().Bytes; got != 1600 {
		t.Errorf("bytes with a shared column: %d, want 1600", got)
	}
	rc.Drop("base")
	if got := rc.Stats().Bytes; got != 1600 {
		t.Errorf("bytes after dropping the narrower frame: %d, want 1600", got)
	}
	rc.Drop("wider")
	if got := rc.Stats().Bytes; got != 0 {
		t.Errorf("bytes when empty: %d", got)
	}
}
