//go:build linux

package main

import "testing"

func TestRelocSegment(t *testing.T) {
	const lib = `7f305b200000-7f305b618000 r--p 00000000 fe:00 5465428                    /x/libflern.so
7f305b618000-7f305c985000 r-xp 00418000 fe:00 5465428                    /x/libflern.so
7f305c985000-7f305d947000 r--p 01785000 fe:00 5465428                    /x/libflern.so
7f305d947000-7f305dd0f000 r--p 02747000 fe:00 5465428                    /x/libflern.so
7f305dd0f000-7f305dee7000 rw-p 02b0f000 fe:00 5465428                    /x/libflern.so
7f306d847000-7f306d848000 r--p 00000000 fe:00 10101177                   /x/other.so
7f306d848000-7f306d849000 r-xp 00001000 fe:00 10101177                   /x/other.so
7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
`
	tests := []struct {
		name   string
		maps   string
		pc     uint64
		lo, hi uint64
		ok     bool
	}{
		{"code of the library", lib, 0x7f305b700000, 0x7f305b200000, 0x7f305b618000, true},
		{"the other library", lib, 0x7f306d848010, 0x7f306d847000, 0x7f306d848000, true},
		{"pc in the first segment itself", lib, 0x7f305b200010, 0, 0, false},
		{"pc outside every mapping", lib, 0x1000, 0, 0, false},
		{"anonymous mapping", lib, 0x7ffd1c000010, 0, 0, false},
		{"first segment writable", "7f0000000000-7f0000001000 rw-p 00000000 fe:00 7 /x/a.so\n7f0000001000-7f0000002000 r-xp 00001000 fe:00 7 /x/a.so\n", 0x7f0000001010, 0, 0, false},
		{"garbage lines", "not a maps line\n\n7f0000001000-7f0000002000 r-xp 00001000 fe:00 7 /x/a.so\n", 0x7f0000001010, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, ok := relocSegment([]byte(tc.maps), tc.pc)
			if lo != tc.lo || hi != tc.hi || ok != tc.ok {
				t.Fatalf("relocSegment = %#x, %#x, %v; want %#x, %#x, %v", lo, hi, ok, tc.lo, tc.hi, tc.ok)
			}
		})
	}
}

// TestDropRelocations runs the release on the test binary itself (an
// executable: its first segment holds its ELF header and program headers);
// the process must go on working.
func TestDropRelocations(t *testing.T) {
	dropRelocations()
	if s := []int{1, 2, 3}; len(s) != 3 {
		t.Fatal("unreachable")
	}
}
