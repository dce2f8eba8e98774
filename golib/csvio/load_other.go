//go:build !unix

package csvio

import "os"

// loadFile returns the file's bytes; release is a no-op here.
func loadFile(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	data, err = readAll(f, fi)
	return data, func() {}, err
}
