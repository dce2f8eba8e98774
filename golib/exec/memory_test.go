package exec

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func TestParseBytes(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"1000", 1000, false}, {"2GB", 2 << 30, false},
		{"512 MiB", 512 << 20, false}, {"1.5kb", 1536, false}, {" 3 g ", 3 << 30, false}, {"7B", 7, false},
		{"lots", 0, true}, {"-1GB", 0, true}, {"1e30", 0, true}, {"GB", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseBytes(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d (error: %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestMemBudget(t *testing.T) {
	node := &ir.Node{Op: "join", Loc: "etl.py:12"}
	a := col.NewInt64(make([]int64, 100)) // 800 bytes
	b := col.NewFloat64(make([]float64, 100))
	f1 := &col.Frame{N: 100, Names: []string{"a", "b"}, Cols: []*col.Column{a, b}}
	f2 := &col.Frame{N: 100, Names: []string{"a"}, Cols: []*col.Column{a}} // shares a
	m := newMemBudget(2000)
	c := &Ctx{mem: m}
	steps := []struct {
		name string
		do   func() error
		used int64
		err  string
	}{
		{"hold a frame", func() error { return m.hold(node, f1) }, 1600, ""},
		{"a shared column counts once", func() error { return m.hold(node, f2) }, 1600, ""},
		{"a reservation that fits", func() error { return c.reserve(node, 400) }, 1600, ""},
		{"a reservation over the limit", func() error { return c.reserve(node, 401) }, 1600, "needs about 401 B more"},
		{"drop one holder of a", func() error { m.drop(f1); return nil }, 800, ""},
		{"drop the last", func() error { m.drop(f2); return nil }, 0, ""},
		{"a result over the limit", func() error {
			return m.hold(node, &col.Frame{N: 300, Names: []string{"x"}, Cols: []*col.Column{col.NewInt64(make([]int64, 300))}})
		}, 2400, "live results take 2.3 KiB"},
	}
	for _, s := range steps {
		err := s.do()
		if s.err == "" && err != nil || s.err != "" && (err == nil || !strings.Contains(err.Error(), s.err)) {
			t.Fatalf("%s: error %v, want %q", s.name, err, s.err)
		}
		if err != nil {
			e := err.(*ir.Error)
			if e.Kind != "Memory" || e.Op != "join" || e.Loc != "etl.py:12" {
				t.Fatalf("%s: error %+v", s.name, e)
			}
		}
		if m.used != s.used {
			t.Fatalf("%s: %d bytes used, want %d", s.name, m.used, s.used)
		}
	}
	if newMemBudget(0) != nil || (&Ctx{}).reserve(node, 1<<60) != nil {
		t.Fatal("no limit must mean no accounting")
	}
}
