//go:build !unix

package csvio

import "os"

// loadFile returns the file's bytes; release is a no-op here.
func loadFile(path string) (data []byte, release func(), mapped bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, false, err
	}
	data, err = readAll(f, fi)
	return data, func() {}, false, err
}

// dropPages does nothing: files are not mapped here.
func dropPages([]byte) {}
