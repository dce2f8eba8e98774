package interp

import (
	"math/rand/v2"
	"regexp"
	"testing"
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
