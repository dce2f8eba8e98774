package interp

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// The literal-chain shortcut of str.contains gives the regex's answer on
// random text (newlines, unicode, overlapping literals).
func TestContainsLiteralChain(t *testing.T) {
	pats := []struct {
		pat   string
		chain bool
	}{
		{"special.*requests", true}, {"a.*a", true}, {"ab.*ba.*", true}, {".*b", true}, {"", true},
		{"é.*日", true}, {"a.*.*b", true}, {`a\.*b`, false}, {"a.*?b", false}, {"a.**b", false}, {"(?i)a.*b", false},
	}
	alphabet := []string{"a", "b", "ab", "ba", "\n", "é", "日", "special", "requests", " ", "x"}
	r := rand.New(rand.NewPCG(1, 2))
	texts := []string{""}
	for range 3000 {
		s := ""
		for range r.IntN(9) {
			s += alphabet[r.IntN(len(alphabet))]
		}
		texts = append(texts, s)
	}
	for _, tc := range pats {
		parts, ok := literalChain(tc.pat)
		if ok != tc.chain {
			t.Fatalf("literalChain(%q) ok = %v, want %v", tc.pat, ok, tc.chain)
		}
		if !ok {
			continue
		}
		re := regexp.MustCompile(tc.pat)
		for _, s := range texts {
			if s != "" && containsNewline(s) {
				continue // the shortcut is only used on text without a newline
			}
			if got, want := containsInOrder(s, parts), re.MatchString(s); got != want {
				t.Fatalf("pattern %q on %q: %v, regex says %v", tc.pat, s, got, want)
			}
		}
	}
}

func containsNewline(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return true
		}
	}
	return false
}

// str.contains by substring search over the column's text (literalMatcher)
// gives the regex's answers row by row: random text with newlines, unicode,
// nulls and overlapping literals; columns long enough for the buffer scan and
// short ones, and morsel-like views whose offsets do not start at zero.
func TestStrContainsLiteralScan(t *testing.T) {
	alphabet := []string{"a", "b", "ab", "ba", "\n", "é", "日", "special", "requests", "spec", " ", "x", "q"}
	r := rand.New(rand.NewPCG(3, 4))
	b := col.NewStringBuilder(0)
	var texts []string
	var valid []bool
	for i := range 6000 {
		if i%97 == 5 {
			b.AppendNull()
			texts, valid = append(texts, ""), append(valid, false)
			continue
		}
		s := ""
		for range r.IntN(12) {
			s += alphabet[r.IntN(len(alphabet))]
		}
		b.Append(s)
		texts, valid = append(texts, s), append(valid, true)
	}
	full := b.Finish()
	views := []struct {
		name   string
		lo, hi int
	}{{"all", 0, full.N}, {"morsel", 800, 5000}, {"short", 13, 40}, {"one", 7, 8}, {"empty", 9, 9}}
	cases := []struct {
		pat   string
		regex bool
		na    any
	}{
		{"special.*requests", true, nil}, {"a.*a", true, true}, {"ab.*ba.*", true, false}, {".*b", true, nil},
		{"", true, nil}, {".*", true, true}, {"é.*日", true, nil}, {"a.*.*b", true, nil}, {"q", true, nil},
		{"requests", true, nil}, {"b\na", true, nil}, {"x.*b\na", true, nil},
		{"special.*requests", false, nil}, {"a\nb", false, true}, {"日", false, nil}, {"", false, false}, {"a.*b", false, nil},
	}
	for _, tc := range cases {
		p := tc.pat
		if !tc.regex {
			p = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile(p)
		opts := map[string]any{"pat": tc.pat, "regex": tc.regex}
		naVal := false
		if tc.na != nil {
			opts["na"], naVal = tc.na, tc.na.(bool)
		}
		e := &ir.Expr{Kind: ir.ExprCall, Name: "str_contains", Opts: opts}
		for _, v := range views {
			x := &col.Column{Type: ir.String, N: v.hi - v.lo, Offs: full.Offs[v.lo : v.hi+1], Data: full.Data}
			if v.lo%8 == 0 {
				x.Valid = full.Valid[v.lo/8:]
			} else {
				x = full.Slice(v.lo, v.hi)
			}
			got, err := strPredicate(e, x, x.N)
			if err != nil {
				t.Fatalf("%q regex=%v %s: %v", tc.pat, tc.regex, v.name, err)
			}
			for i := 0; i < x.N; i++ {
				want := naVal
				if valid[v.lo+i] {
					want = re.MatchString(texts[v.lo+i])
				}
				if got.B[i] != want {
					t.Fatalf("%q regex=%v %s row %d %q: %v, regex says %v", tc.pat, tc.regex, v.name, v.lo+i, texts[v.lo+i], got.B[i], want)
				}
			}
		}
	}
}
