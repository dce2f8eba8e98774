//go:build !unix

package ipcio

import "os"

// mapping is a file's bytes (read: no memory mapping on this platform).
type mapping struct{ data []byte }

func mapFile(path string) (*mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &mapping{data: b}, nil
}
