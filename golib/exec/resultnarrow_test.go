package exec_test

import (
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/ir"
)

// narrowFrame is an n-row frame of int64 columns named names, RangeIndex.
func narrowFrame(n int, names ...string) *col.Frame {
	f := &col.Frame{N: n}
	for _, name := range names {
		f.Names = append(f.Names, name)
		f.Cols = append(f.Cols, &col.Column{Type: ir.Int64, N: n, I64: make([]int64, n)})
	}
	return f
}

func TestResultCacheNarrowed(t *testing.T) {
	rc := exec.NewResultCache(1 << 20)
	ab, abc := exec.NarrowKey("base", []string{"a", "b"}), exec.NarrowKey("base", []string{"a", "b", "c"})
	if ab == abc || ab == exec.NarrowKey("other", []string{"a", "b"}) {
		t.Fatalf("narrow keys collide")
	}
	rc.PutNarrow(ab, "base", narrowFrame(10, "a", "b"), nil)
	rc.PutNarrow(abc, "base", narrowFrame(10, "a", "b", "c"), nil)
	withIndex := narrowFrame(10, "a")
	withIndex.Index, withIndex.IndexNames = []*col.Column{withIndex.Cols[0]}, []string{"k"}
	rc.PutNarrow(exec.NarrowKey("base", []string{"a"}), "base", withIndex, nil) // labels: never kept narrowed
	tests := []struct {
		name string
		base string
		need []string
		want string // "" when no entry covers need
	}{
		{"the fewest columns covering", "base", []string{"b"}, ab},
		{"all of the smaller entry", "base", []string{"a", "b"}, ab},
		{"only the wider entry", "base", []string{"c", "a"}, abc},
		{"a column no entry holds", "base", []string{"d"}, ""},
		{"another subplan", "other", []string{"a"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, f, ok := rc.Narrowed(tc.base, tc.need)
			if ok != (tc.want != "") || key != tc.want || rc.HasNarrowed(tc.base, tc.need) != ok {
				t.Fatalf("Narrowed = %q, %v; want %q", key, ok, tc.want)
			}
			if ok && f.N != 10 {
				t.Errorf("frame of %d rows", f.N)
			}
		})
	}
	if s := rc.Stats(); s.Entries != 2 {
		t.Errorf("entries %+v (the labelled frame kept?)", s)
	}
	rc.Drop(ab)
	if key, _, ok := rc.Narrowed("base", []string{"a"}); !ok || key != abc {
		t.Errorf("after dropping the smaller entry: %q %v", key, ok)
	}
	rc.Drop(abc)
	if rc.HasNarrowed("base", nil) {
		t.Errorf("an entry left after dropping both")
	}
	rc.PutNarrow(ab, "base", narrowFrame(10, "a", "b"), nil)
	rc.Clear()
	if rc.HasNarrowed("base", []string{"a"}) {
		t.Errorf("an entry left after Clear")
	}
}

// Drop forgets the probes counted under a key (the caller drops it once the
// nodes it was counted for are gone).
func TestResultCacheDropForgetsSights(t *testing.T) {
	rc := exec.NewResultCache(1 << 20)
	rc.Saw("k")
	rc.Saw("k")
	if rc.Sights("k") != 2 {
		t.Fatalf("sights %d", rc.Sights("k"))
	}
	rc.Drop("k")
	if rc.Sights("k") != 0 {
		t.Errorf("sights %d after Drop", rc.Sights("k"))
	}
}
