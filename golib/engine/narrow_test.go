package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/exec"
)

// narrowPlans builds plans over two CSV files sharing
// scan(A) x scan(B) -> filter(v > 1) (node 3), each ending in the nodes
// given (ids from 4, output last).
func narrowPlans(t *testing.T) func(tail ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	if err := os.WriteFile(a, []byte("k,v,w\n1,2,10\n2,0,20\n3,7,\n1,5,40\n4,9,50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("k,t\n1,x\n3,y\n4,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	head := []string{
		`{"id": 0, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": ` + strconv.Quote(a) + `}}`,
		`{"id": 1, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": ` + strconv.Quote(b) + `}}`,
		`{"id": 2, "op": "join", "inputs": [0, 1], "loc": "t.py:2", "attrs": {"how": "inner", "left_on": ["k"], "right_on": ["k"], "suffixes": ["_x", "_y"]}}`,
		`{"id": 3, "op": "filter", "inputs": [2], "loc": "t.py:3", "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "v"}, {"k": "lit", "t": "int64", "v": "1"}]}}}`,
	}
	return func(tail ...string) []byte {
		return plan(strconv.Itoa(3+len(tail)), append(append([]string(nil), head...), tail...)...)
	}
}

// valueSum is a Series' values (project __value__ = expr over node in) and
// their sum, as nodes id and id+1.
func valueSum(id, in int, expr string) []string {
	return []string{
		fmt.Sprintf(`{"id": %d, "op": "project", "inputs": [%d], "loc": "t.py:4", "attrs": {"exprs": [{"name": "__value__", "expr": %s}]}}`, id, in, expr),
		fmt.Sprintf(`{"id": %d, "op": "groupby_agg", "inputs": [%d], "loc": "t.py:5", "attrs": {"keys": [], "aggs": [{"name": "s", "col": "__value__", "fn": "sum"}]}}`, id+1, id),
	}
}

// TestResultCacheNarrowKeep: a probe whose frame is not kept whole (a filter
// over a join) keeps the columns it reads of it, without labels, and later
// plans reading some of those columns, labels unobserved, read that entry;
// plans reading another column or the labels compute the frame. Every
// answer equals the uncached one.
func TestResultCacheNarrowKeep(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	mk := narrowPlans(t)
	col := func(c string) string { return `{"k": "col", "name": "` + c + `"}` }
	probe := mk(valueSum(4, 3, `{"k": "call", "fn": "mul", "args": [`+col("v")+`, `+col("w")+`]}`)...)
	sumV := mk(valueSum(4, 3, col("v"))...)
	sumT := mk(`{"id": 4, "op": "distinct", "inputs": [3], "loc": "t.py:4", "attrs": {"column": "t"}}`)
	labels := mk(`{"id": 4, "op": "project", "inputs": [3], "loc": "t.py:4", "attrs": {"exprs": [{"name": "v", "expr": ` + col("v") + `}]}}`)
	off := engine.Options{Disabled: map[string]bool{engine.ResultCacheName: true}}
	want := map[string]string{}
	plans := map[string][]byte{"probe": probe, "sum v": sumV, "distinct t": sumT, "labels": labels}
	for name, p := range plans {
		want[name] = runText(t, compile(t, p, off))
	}
	early := compile(t, sumV, engine.Options{})
	keep := engine.Options{Keep: []int{3}}
	p := compile(t, probe, engine.Options{Keep: keep.Keep, Dump: true})
	ex := p.Explain(true)
	if !strings.Contains(ex, "drop=true)") || !strings.Contains(ex, "== result cache ==\nkeeps ") {
		t.Fatalf("probe keeps no narrowed frame:\n%s", ex)
	}
	if plain := p.Explain(false); strings.Index(plain, "filter(") > strings.Index(plain, "join(") {
		t.Errorf("the kept frame pins the filter above the join:\n%s", plain)
	}
	if got := runText(t, p); got != want["probe"] {
		t.Errorf("probe: %s, want %s", got, want["probe"])
	}
	if s := exec.Results.Stats(); s.Entries != 1 {
		t.Fatalf("after the probe: %+v", s)
	}
	if early.Fresh() {
		t.Errorf("a plan a narrowed entry could now serve is still fresh")
	}
	tests := []struct {
		name  string
		reads bool
	}{{"sum v", true}, {"probe", true}, {"distinct t", false}, {"labels", false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := compile(t, plans[tc.name], keep)
			ex := prog.Explain(false)
			if reads := strings.Contains(ex, "cached_result") && !strings.Contains(ex, "join("); reads != tc.reads {
				t.Errorf("reads the narrowed entry: %v, want %v\n%s", reads, tc.reads, ex)
			}
			if got := runText(t, prog); got != want[tc.name] {
				t.Errorf("%s, want %s", got, want[tc.name])
			}
		})
	}
	if s := exec.Results.Stats(); s.Entries != 2 { // distinct t's probe kept column t
		t.Errorf("entries: %+v", s)
	}
	for _, o := range []engine.Options{{Reference: true}, {NoOpt: true}, off} {
		if ex := compile(t, sumV, o).Explain(false); strings.Contains(ex, "cached_result") {
			t.Errorf("%+v reads the cache:\n%s", o, ex)
		}
	}
}

// A scan's filtered rows are not kept narrowed: a fused
// filter -> project -> sum never materializes them (q6).
func TestResultCacheNarrowKeepsNoScanRows(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,x\n3,0,y\n5,7,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe, _, keep := rcPlans(path)
	prog := compile(t, probe, engine.Options{Keep: keep})
	if _, kept := prog.CachedKeys(); len(kept) != 0 {
		t.Errorf("keeps %v", kept)
	}
}

// A frame over two joins is not kept narrowed: the extra output would
// observe the joins' row order and stop joinorder in the probe's plan.
func TestResultCacheNarrowKeepsNothingOverTwoJoins(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	mk := narrowPlans(t)
	probe := mk(
		`{"id": 4, "op": "join", "inputs": [3, 1], "loc": "t.py:4", "attrs": {"how": "inner", "left_on": ["k"], "right_on": ["k"], "suffixes": ["_x", "_y"]}}`,
		`{"id": 5, "op": "project", "inputs": [4], "loc": "t.py:4", "attrs": {"exprs": [{"name": "__value__", "expr": {"k": "col", "name": "v"}}]}}`,
		`{"id": 6, "op": "groupby_agg", "inputs": [5], "loc": "t.py:5", "attrs": {"keys": [], "aggs": [{"name": "s", "col": "__value__", "fn": "sum"}]}}`)
	prog := compile(t, probe, engine.Options{Keep: []int{4}})
	if _, kept := prog.CachedKeys(); len(kept) != 0 {
		t.Errorf("keeps %v", kept)
	}
	want := runText(t, compile(t, probe, engine.Options{Disabled: map[string]bool{engine.ResultCacheName: true}}))
	if got := runText(t, prog); got != want {
		t.Errorf("%s, want %s", got, want)
	}
}
