package gitsync

import (
	"fmt"
	"io/fs"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// fillStat records what git compares to notice a changed file cheaply.
func fillStat(e *index.Entry, fi fs.FileInfo) {
	e.ModifiedAt = fi.ModTime()
	e.Size = uint32(fi.Size())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.CreatedAt = time.Unix(st.Ctim.Unix())
		e.Dev = uint32(st.Dev)
		e.Inode = uint32(st.Ino)
		e.UID = st.Uid
		e.GID = st.Gid
	}
}

// sameStat says whether the inode data git records besides size and mtime
// still match: `cp -p`, `rsync -t` and `tar x` keep both while replacing
// the content, but none can keep the change time, and the last two make a
// new inode. An entry written without them (zero) never matches, so its
// file is hashed.
func sameStat(e *index.Entry, fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return e.CreatedAt.Equal(time.Unix(st.Ctim.Unix())) && e.Inode == uint32(st.Ino) &&
		e.Dev == uint32(st.Dev) && e.UID == st.Uid && e.GID == st.Gid
}

// fileID tells one file from any other that takes its place, even at the
// same inode: a new file has a new change time.
func fileID(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d %d %d.%09d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
}
