package exec

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flern/flern/golib/exec/interp"
	"github.com/flern/flern/golib/ir"
)

func TestForMorsels(t *testing.T) {
	smallMorsels(t)
	node := &ir.Node{Op: "filter", Loc: "user.py:7"}
	cases := []struct {
		name    string
		rows    int
		fn      func(m, lo, hi int) error
		ctx     func() context.Context
		wantErr string // substring; "" = success
		kind    string
	}{
		{name: "no rows", rows: 0, fn: func(m, lo, hi int) error { return errors.New("never called") }},
		{name: "covers every row once", rows: 1000, fn: nil},
		{name: "lowest failing morsel wins", rows: 1000, fn: func(m, lo, hi int) error {
			if m >= 3 {
				return ir.Errorf("Value", "morsel %d", m)
			}
			return nil
		}, wantErr: "morsel 3", kind: "Value"},
		{name: "panic in a worker names the op and line", rows: 1000, fn: func(m, lo, hi int) error {
			if m == 5 {
				var p map[string]int
				p["x"] = 1
			}
			return nil
		}, wantErr: "panic in a runtime worker", kind: "Internal"},
		{name: "cancelled", rows: 1000, fn: func(m, lo, hi int) error { return nil }, ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, wantErr: "run cancelled", kind: "Cancelled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx()
			}
			c := &Ctx{Ctx: &interp.Ctx{Context: ctx}}
			var seen []atomic.Int32
			fn := tc.fn
			if fn == nil {
				seen = make([]atomic.Int32, tc.rows)
				fn = func(m, lo, hi int) error {
					if lo != m*morselRows || hi > tc.rows {
						t.Errorf("morsel %d is [%d, %d)", m, lo, hi)
					}
					for i := lo; i < hi; i++ {
						seen[i].Add(1)
					}
					return nil
				}
			}
			err := forMorsels(c, node, tc.rows, fn)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				for i := range seen {
					if seen[i].Load() != 1 {
						t.Fatalf("row %d seen %d times", i, seen[i].Load())
					}
				}
				return
			}
			var e *ir.Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.wantErr) || e.Kind != tc.kind {
				t.Fatalf("error %v, want %s %q", err, tc.kind, tc.wantErr)
			}
			if tc.kind == "Internal" && (e.Op != "filter" || e.Loc != "user.py:7") {
				t.Fatalf("panic reported at %q %q", e.Op, e.Loc)
			}
		})
	}
}
