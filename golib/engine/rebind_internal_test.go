package engine

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt"
)

func TestRebindText(t *testing.T) {
	keys := map[int64]int64{-1: 41, -2: 7}
	tests := []struct{ in, want string }{
		{"%1 = state(dtype=\"float32\", key=-1, shape=[2, 3])  :: t\n", "%1 = state(dtype=\"float32\", key=41, shape=[2, 3])  :: t\n"},
		{"%9 = state_write(%5, key=-2)\n%10 = state(key=-1)\n", "%9 = state_write(%5, key=7)\n%10 = state(key=41)\n"},
		{"%3 = state(key=-3)\n", "%3 = state(key=-3)\n"},                           // not in the map
		{"%2 = groupby_agg(%1, key=-1)\n", "%2 = groupby_agg(%1, key=-1)\n"},       // not a state node
		{"%4 = sample(%1, state={key=-1})\n", "%4 = sample(%1, state={key=-1})\n"}, // an attribute named state
		{"", ""},
	}
	for _, tc := range tests {
		if got := rebindText(tc.in, keys); got != tc.want {
			t.Errorf("rebindText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRebindExplain: a rebound program's recorded plan (explain's verbose
// text, printed when first asked for) shows its own keys, chained rebinds
// included, and the original's keeps the placeholders.
func TestRebindExplain(t *testing.T) {
	p := &Program{Initial: "%0 = state(dtype=\"float32\", key=-1, shape=[2])  :: t\n%1 = state_write(%0, key=-1)\n",
		Graph: &ir.Graph{}, Report: &opt.Report{}}
	q := p.Rebind(map[int64]int64{-1: 41})
	r := q.Rebind(map[int64]int64{41: 5})
	tests := []struct {
		name string
		p    *Program
		want string
	}{
		{"original", p, "key=-1"},
		{"rebound", q, "key=41"},
		{"rebound twice", r, "key=5"},
	}
	for _, tc := range tests {
		got := tc.p.initialText()
		if strings.Count(got, tc.want) != 2 {
			t.Errorf("%s: recorded plan %q, want both keys %s", tc.name, got, tc.want)
		}
	}
}
