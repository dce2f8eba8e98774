//go:build linux

package main

// Dropping the loaded library's relocation table from memory.
//
// A c-shared Go library is position-independent, so every pointer in its
// data (type descriptors, itabs, function tables) is a dynamic relocation:
// libflern's .rela.dyn holds ~180K of them, 4 MiB, in the first read-only
// segment of the file. The dynamic linker reads all of them at dlopen and
// never again, but the pages stay mapped and count in the process's
// resident set for its whole life (TPC-H at SF1: 4 of the ~180-310 MiB peak
// RSS of every query). At init the library tells the kernel it no longer
// needs that segment (madvise MADV_DONTNEED). The mapping is read-only and
// private, so its pages are never dirty: dropping them loses nothing, and a
// later read (a symbol lookup in .dynsym, which shares the segment) faults
// the page back in from the file.

import (
	"bytes"
	"os"
	"reflect"
	"strconv"
	"syscall"
)

func init() {
	dropRelocations()
}

// dropRelocations releases the pages of this library's first read-only
// segment (Linux only; anything unexpected leaves the memory as it is).
func dropRelocations() {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	lo, hi, ok := relocSegment(maps, uint64(reflect.ValueOf(dropRelocations).Pointer()))
	if !ok {
		return
	}
	// (the raw call: the range is not Go memory, so no slice is made of it)
	syscall.Syscall(syscall.SYS_MADVISE, uintptr(lo), uintptr(hi-lo), syscall.MADV_DONTNEED)
}

// mapLine is one line of /proc/<pid>/maps.
type mapLine struct {
	lo, hi uint64
	perms  string
	offset uint64
	dev    string
	inode  string
}

// parseMapLine parses "lo-hi perms offset dev inode [path]".
func parseMapLine(line []byte) (m mapLine, ok bool) {
	f := bytes.Fields(line)
	if len(f) < 5 {
		return m, false
	}
	r := bytes.SplitN(f[0], []byte("-"), 2)
	if len(r) != 2 {
		return m, false
	}
	var e1, e2, e3 error
	m.lo, e1 = strconv.ParseUint(string(r[0]), 16, 64)
	m.hi, e2 = strconv.ParseUint(string(r[1]), 16, 64)
	m.offset, e3 = strconv.ParseUint(string(f[2]), 16, 64)
	if e1 != nil || e2 != nil || e3 != nil || m.hi <= m.lo {
		return m, false
	}
	m.perms, m.dev, m.inode = string(f[1]), string(f[3]), string(f[4])
	return m, true
}

// relocSegment finds, in maps (the text of /proc/self/maps), the file
// mapping holding the code address pc and returns the range of the same
// file's mapping at offset 0 when it is read-only and private ("r--p"):
// the segment with the ELF header, the dynamic symbols and the relocation
// tables. ok is false when there is no such mapping, when it is the one
// holding pc, or when the file is not a regular mapped file (inode 0).
func relocSegment(maps []byte, pc uint64) (lo, hi uint64, ok bool) {
	var lines []mapLine
	var code *mapLine
	for _, l := range bytes.Split(maps, []byte("\n")) {
		m, ok := parseMapLine(l)
		if !ok {
			continue
		}
		lines = append(lines, m)
	}
	for i := range lines {
		if lines[i].lo <= pc && pc < lines[i].hi {
			code = &lines[i]
			break
		}
	}
	if code == nil || code.inode == "0" {
		return 0, 0, false
	}
	for _, m := range lines {
		if m.dev == code.dev && m.inode == code.inode && m.offset == 0 && m.perms == "r--p" && m.lo != code.lo {
			return m.lo, m.hi, true
		}
	}
	return 0, 0, false
}
