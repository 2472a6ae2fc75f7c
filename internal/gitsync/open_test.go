package gitsync

import (
	"crypto/rand"
	"io"
	"runtime"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// A repository opened for a sync keeps at most objectCacheSize of decoded
// objects, not go-git's default 96 MiB: a run opens many at once.
func TestOpenRepoBoundsObjectCache(t *testing.T) {
	dir := t.TempDir()
	init, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	const blobs, size = 24, 1 << 20
	var hashes []plumbing.Hash
	for range blobs {
		obj := init.Storer.NewEncodedObject()
		obj.SetType(plumbing.BlobObject)
		w, err := obj.Writer()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(w, rand.Reader, size); err != nil {
			t.Fatal(err)
		}
		_ = w.Close()
		h, err := init.Storer.SetEncodedObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}

	repo, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := heapAlloc()
	for _, h := range hashes {
		if _, err := repo.Storer.EncodedObject(plumbing.BlobObject, h); err != nil {
			t.Fatal(err)
		}
	}
	retained := int64(heapAlloc()) - int64(before)
	runtime.KeepAlive(repo)
	if limit := int64(2 * objectCacheSize); retained > limit {
		t.Fatalf("reading %d objects of %d bytes left %d MiB on the heap, want at most %d MiB (the object cache is not bounded)",
			blobs, size, retained>>20, limit>>20)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
