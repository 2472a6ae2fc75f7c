package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data and gives it perm. The data goes to a
// temporary file beside path, synced before the rename, so a crash leaves
// either file whole; the temporary file is removed on any failure. Errors
// are the file system's own, which name the path; callers say what they
// were writing.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// CreateTemp makes the file 0600 whatever the umask.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
