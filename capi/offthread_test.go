package main

import (
	"errors"
	"strings"
	"testing"
)

// TestOffThread: offThread returns f's results and error, and raises f's
// panic again on the caller's goroutine (where the exports' guard recovers
// it), its message and f's stack in it.
func TestOffThread(t *testing.T) {
	want := errors.New("bad plan")
	tests := []struct {
		name string
		f    func() ([]any, error)
		vals int
		err  error
		pan  string
	}{
		{"values", func() ([]any, error) { return []any{1, "a"}, nil }, 2, nil, ""},
		{"error", func() ([]any, error) { return nil, want }, 0, want, ""},
		{"panic", func() ([]any, error) { panic("index out of range [7]") }, 0, nil, "index out of range [7]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			func() {
				defer func() { got = recover() }()
				v, err := offThread(tc.f)
				if len(v) != tc.vals || err != tc.err {
					t.Fatalf("got %v, %v; want %d values, %v", v, err, tc.vals, tc.err)
				}
			}()
			if tc.pan == "" {
				if got != nil {
					t.Fatalf("panicked: %v", got)
				}
				return
			}
			s, _ := got.(string)
			if !strings.Contains(s, tc.pan) || !strings.Contains(s, "TestOffThread") {
				t.Fatalf("re-raised panic %q lacks the message or f's stack", s)
			}
		})
	}
}
