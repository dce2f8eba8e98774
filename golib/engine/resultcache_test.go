package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/exec"
)

// rcPlans returns a probe plan (the sum of a over scan -> filter(b > 1),
// keeping the filter's result) and a final plan sharing scan -> filter
// (select a, b*2), over the CSV file at path.
func rcPlans(path string) (probe, final []byte, keep []int) {
	scan := `{"id": 0, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": ` + strconv.Quote(path) + `}}`
	filter := `{"id": 1, "op": "filter", "inputs": [0], "loc": "t.py:2", "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "b"}, {"k": "lit", "t": "int64", "v": "1"}]}}}`
	probe = plan("2", scan, filter,
		`{"id": 2, "op": "groupby_agg", "inputs": [1], "loc": "t.py:3", "attrs": {"keys": [], "aggs": [{"name": "s", "col": "a", "fn": "sum"}]}}`)
	final = plan("2", scan, filter,
		`{"id": 2, "op": "project", "inputs": [1], "loc": "t.py:4", "attrs": {"exprs": [{"name": "a", "expr": {"k": "col", "name": "a"}}, {"name": "b2", "expr": {"k": "call", "fn": "mul", "args": [{"k": "col", "name": "b"}, {"k": "lit", "t": "int64", "v": "2"}]}}]}}`)
	return probe, final, []int{1}
}

func runText(t *testing.T, p *engine.Program) string {
	t.Helper()
	out, err := p.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != p.NumOutputs() {
		t.Fatalf("%d results for %d outputs", len(out), p.NumOutputs())
	}
	var b strings.Builder
	for _, f := range out {
		fmt.Fprint(&b, f.Names)
		for _, c := range append(f.Index, f.Cols...) {
			fmt.Fprint(&b, c.I64, c.F64)
		}
	}
	return b.String()
}

func TestResultCacheProbeThenFinal(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,x\n3,0,y\n5,7,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe, final, keep := rcPlans(path)
	off := engine.Options{Disabled: map[string]bool{engine.ResultCacheName: true}}
	wantProbe := runText(t, compile(t, probe, off))
	wantFinal := runText(t, compile(t, final, off))
	if s := exec.Results.Stats(); s.Entries != 0 {
		t.Fatalf("switched off, the cache holds %d entries", s.Entries)
	}

	early := compile(t, final, engine.Options{}) // compiled before anything is cached
	p := compile(t, probe, engine.Options{Keep: keep, KeepNow: keep})
	if got := runText(t, p); got != wantProbe {
		t.Errorf("probe: %s, want %s", got, wantProbe)
	}
	if s := exec.Results.Stats(); s.Entries != 1 || s.Stores != 1 {
		t.Fatalf("after the probe: %+v", s)
	}
	if early.Fresh() {
		t.Errorf("a plan computing a subplan cached since is still fresh")
	}
	f := compile(t, final, engine.Options{})
	if ex := f.Explain(false); !strings.Contains(ex, "source(cached_result=") || strings.Contains(ex, "scan_csv") {
		t.Errorf("final plan does not read the cached result:\n%s", ex)
	}
	if read, _ := f.CachedKeys(); len(read) != 1 {
		t.Errorf("CachedKeys read %v", read)
	}
	if ex := compile(t, final, engine.Options{Dump: true}).Explain(true); !strings.Contains(ex, "== result cache ==\nreads ") {
		t.Errorf("verbose explain has no result cache section:\n%s", ex)
	}
	if ex := compile(t, probe, engine.Options{Keep: keep, KeepNow: keep, Dump: true}).Explain(true); !strings.Contains(ex, "keeps ") {
		t.Errorf("verbose explain of the probe does not say what it keeps:\n%s", ex)
	}
	if got := runText(t, f); got != wantFinal {
		t.Errorf("final from the cache: %s, want %s", got, wantFinal)
	}
	if !f.Fresh() {
		t.Errorf("final plan not fresh")
	}
	// the entry is dropped (its Python node died) and a later probe keeps the
	// same subplan again: the compiled final plan is fresh again and reads it
	read, _ := f.CachedKeys()
	exec.Results.Drop(read[0])
	if f.Fresh() {
		t.Errorf("plan reading a dropped entry is fresh")
	}
	runText(t, compile(t, probe, engine.Options{Keep: keep, KeepNow: keep}))
	if !f.Fresh() {
		t.Errorf("plan not fresh after the entry was kept again")
	}
	if got := runText(t, f); got != wantFinal {
		t.Errorf("final from the re-kept entry: %s, want %s", got, wantFinal)
	}
	for _, o := range []engine.Options{{Reference: true}, {NoOpt: true}, off} {
		if ex := compile(t, final, o).Explain(false); strings.Contains(ex, "cached_result") {
			t.Errorf("%+v reads the cache:\n%s", o, ex)
		}
	}

	// the file changes: the plan is stale, a recompile reads the file, and the
	// next probe drops the old entry
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(path, []byte("a,b,c\n10,2,x\n30,9,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f.Fresh() {
		t.Errorf("plan over a rewritten file is still fresh")
	}
	wantFinal = runText(t, compile(t, final, off))
	f2 := compile(t, final, engine.Options{})
	if strings.Contains(f2.Explain(false), "cached_result") {
		t.Errorf("plan over the rewritten file reads the old result")
	}
	if got := runText(t, f2); got != wantFinal {
		t.Errorf("final after the rewrite: %s, want %s", got, wantFinal)
	}
	runText(t, compile(t, probe, engine.Options{Keep: keep, KeepNow: keep}))
	if s := exec.Results.Stats(); s.Entries != 1 || s.Dropped != 2 { // the Drop above and the old file's entry
		t.Errorf("after the rewrite and a new probe: %+v", s)
	}
	if got := runText(t, compile(t, final, engine.Options{})); got != wantFinal {
		t.Errorf("final from the new entry: %s, want %s", got, wantFinal)
	}
}

func TestResultCacheKeepsNothingUncacheable(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	// a sample (random op) kept: never stored
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := plan("2",
		`{"id": 0, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": `+strconv.Quote(path)+`}}`,
		`{"id": 1, "op": "sample", "inputs": [0], "loc": "t.py:2", "attrs": {"n": 1, "seed": 1}}`,
		`{"id": 2, "op": "groupby_agg", "inputs": [1], "loc": "t.py:3", "attrs": {"keys": [], "aggs": [{"name": "s", "col": "a", "fn": "sum"}]}}`)
	prog := compile(t, p, engine.Options{Keep: []int{1, 7, -1}})
	runText(t, prog)
	if _, kept := prog.CachedKeys(); len(kept) != 0 || exec.Results.Stats().Entries != 0 {
		t.Errorf("kept %v, cache %+v", kept, exec.Results.Stats())
	}
	// over the budget: not kept, the run still answers
	exec.Results.SetBudget(1)
	defer exec.Results.SetBudget(1 << 30)
	probe, _, keep := rcPlans(path)
	runText(t, compile(t, probe, engine.Options{Keep: keep, KeepNow: keep}))
	if s := exec.Results.Stats(); s.Entries != 0 || s.TooBig == 0 {
		t.Errorf("over the budget: %+v", s)
	}
}

// TestResultCacheKeepAfter: a reduction's input (Keep without KeepNow) is
// kept only once its subplan was probed KeepAfter(width) times; until then
// the probe plan computes only what it reads, and a compiled probe goes
// stale (Fresh) when its next run should keep.
func TestResultCacheKeepAfter(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	tests := []struct {
		width, need int
	}{{1, 2}, {3, 2}, {8, 2}, {9, 3}, {16, 4}, {25, 7}}
	for _, tc := range tests {
		if got := engine.KeepAfter(tc.width); got != tc.need {
			t.Errorf("KeepAfter(%d) = %d, want %d", tc.width, got, tc.need)
		}
	}
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,x\n3,0,y\n5,7,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe, _, keep := rcPlans(path) // the filter's frame has 3 columns: kept at the 2nd probe
	p := compile(t, probe, engine.Options{Keep: keep})
	if _, kept := p.CachedKeys(); len(kept) != 0 || len(p.Graph.Outputs) != 1 {
		t.Fatalf("first probe keeps %v (outputs %v)", kept, p.Graph.Outputs)
	}
	want := runText(t, p)
	if s := exec.Results.Stats(); s.Entries != 0 {
		t.Fatalf("kept after one probe: %+v", s)
	}
	if p.Fresh() {
		t.Errorf("the probe's next run should keep, but its compiled plan is still fresh")
	}
	p = compile(t, probe, engine.Options{Keep: keep})
	if _, kept := p.CachedKeys(); len(kept) != 1 {
		t.Fatalf("second probe keeps %v", kept)
	}
	if got := runText(t, p); got != want {
		t.Errorf("second probe: %s, want %s", got, want)
	}
	if s := exec.Results.Stats(); s.Entries != 1 || s.Stores != 1 {
		t.Errorf("after the second probe: %+v", s)
	}
}

// A program that reads a dropped entry lets go of its frame in an Unheld
// copy; the copy is not fresh (and does not run) until the same subplan is
// kept again, then runs on the new entry. A program that keeps a frame for
// its probes' count is not fresh once the count started again.
func TestResultCacheUnheld(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,x\n3,0,y\n5,7,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe, final, keep := rcPlans(path)
	wantFinal := runText(t, compile(t, final, engine.Options{Disabled: map[string]bool{engine.ResultCacheName: true}}))
	runText(t, compile(t, probe, engine.Options{Keep: keep, KeepNow: keep}))
	f := compile(t, final, engine.Options{})
	if f.HeldFrames() != 1 || f.Unheld() != nil {
		t.Fatalf("reading a cached entry: held %d, Unheld %v", f.HeldFrames(), f.Unheld())
	}
	read, _ := f.CachedKeys()
	exec.Results.Drop(read[0])
	u := f.Unheld()
	if u == nil || u.HeldFrames() != 0 || f.HeldFrames() != 1 {
		t.Fatalf("after the drop: Unheld %v, original holds %d", u, f.HeldFrames())
	}
	if u.Fresh() {
		t.Errorf("the copy is fresh while its entry is gone")
	}
	if _, err := u.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "no longer cached") {
		t.Errorf("the copy ran without its entry: %v", err)
	}
	if got := runText(t, f); got != wantFinal { // the original still runs on its frame
		t.Errorf("original after the drop: %s, want %s", got, wantFinal)
	}
	runText(t, compile(t, probe, engine.Options{Keep: keep, KeepNow: keep}))
	if !u.Fresh() || u.HeldFrames() != 1 {
		t.Fatalf("the copy after the entry was kept again: fresh %v, held %d", u.Fresh(), u.HeldFrames())
	}
	exec.Results.Drop(read[0]) // dropped between Fresh and Run: the copy holds the frame since Fresh
	if got := runText(t, u); got != wantFinal {
		t.Errorf("copy: %s, want %s", got, wantFinal)
	}

	exec.Results.Clear()
	k2 := compile(t, probe, engine.Options{Keep: keep}) // first probe: counts
	runText(t, k2)
	k2 = compile(t, probe, engine.Options{Keep: keep}) // second: keeps
	if _, kept := k2.CachedKeys(); len(kept) != 1 || !k2.Fresh() {
		t.Fatalf("second probe keeps %v, fresh %v", kept, k2.Fresh())
	}
	exec.Results.Clear() // the count starts again: compiling now would count, not keep
	if k2.Fresh() {
		t.Errorf("a program keeping for a count that started again is fresh")
	}
}

// A probe's frame is not kept whole when keeping would pin a filter that
// predicate pushdown moves below a join or into a scan (pinsFilter): the
// keep would compute the join or the scan over every row. (The join's
// columns the probe reads are kept narrowed, narrow_test.go.)
func TestResultCacheKeepsNoPinnedFilter(t *testing.T) {
	exec.Results.Clear()
	defer exec.Results.Clear()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,x\n3,0,y\n5,7,z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scan := func(id int) string {
		return fmt.Sprintf(`{"id": %d, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": %s}}`, id, strconv.Quote(path))
	}
	gt := `{"k": "call", "fn": "gt", "args": [{"k": "col", "name": "b"}, {"k": "lit", "t": "int64", "v": "1"}]}`
	eq := `{"k": "call", "fn": "eq", "args": [{"k": "col", "name": "b"}, {"k": "lit", "t": "int64", "v": "7"}]}`
	sum := func(id, in int) string {
		return fmt.Sprintf(`{"id": %d, "op": "groupby_agg", "inputs": [%d], "loc": "t.py:3", "attrs": {"keys": [], "aggs": [{"name": "s", "col": "a", "fn": "sum"}]}}`, id, in)
	}
	overJoin := plan("4", scan(0), scan(1),
		`{"id": 2, "op": "join", "inputs": [0, 1], "loc": "t.py:2", "attrs": {"how": "inner", "left_on": ["a"], "right_on": ["a"], "suffixes": ["_x", "_y"]}}`,
		`{"id": 3, "op": "filter", "inputs": [2], "loc": "t.py:2", "attrs": {"pred": `+strings.ReplaceAll(gt, `"b"`, `"b_x"`)+`}}`, sum(4, 3))
	selective := plan("2", scan(0), `{"id": 1, "op": "filter", "inputs": [0], "loc": "t.py:2", "attrs": {"pred": `+eq+`}}`, sum(2, 1))
	for name, tc := range map[string]struct {
		p    []byte
		keep int
	}{"filter over a join": {overJoin, 3}, "selective filter over a scan": {selective, 1}} {
		for range 3 {
			prog, err := engine.Compile(tc.p, engine.Options{Keep: []int{tc.keep}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, o := range prog.Graph.Outputs[prog.NumOutputs():] {
				if op := prog.Graph.Nodes[o].Op; op != "reset_index" { // a narrowed keep (narrow.go) only
					t.Fatalf("%s: keeps the whole frame (%s)", name, op)
				}
			}
			runText(t, prog)
		}
	}
	if s := exec.Results.Stats(); s.Stores > 1 { // the filter over the join's column a, once
		t.Errorf("stored %+v", s)
	}
}
