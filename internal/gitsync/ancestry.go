package gitsync

import (
	"container/heap"
	"errors"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

const (
	seen = 1 << iota
	uninteresting
	popped
)

// unpushed returns the commits reachable from tips but not from known,
// newest first, like `git rev-list tips --not known`. It walks by commit date
// and stops once only known history is left, so its cost follows the
// divergence, not the length of the history.
func unpushed(s storer.EncodedObjectStorer, tips, known []plumbing.Hash) ([]*object.Commit, error) {
	isKnown := make(map[plumbing.Hash]bool, len(known))
	for _, h := range known {
		isKnown[h] = true
	}
	all := true
	for _, h := range tips {
		all = all && isKnown[h]
	}
	if all {
		return nil, nil
	}

	w := walk{s: s, flags: map[plumbing.Hash]uint8{}, commits: map[plumbing.Hash]*object.Commit{}}
	for _, h := range known {
		c, err := peel(s, h)
		if err != nil {
			continue // a tag of a tree or blob marks no history
		}
		if err := w.push(c, uninteresting); err != nil {
			return nil, err
		}
	}
	for _, h := range tips {
		if err := w.push(h, 0); err != nil {
			return nil, err
		}
	}
	return w.run()
}

type walk struct {
	s       storer.EncodedObjectStorer
	queue   byDate
	flags   map[plumbing.Hash]uint8
	commits map[plumbing.Hash]*object.Commit
}

func (w *walk) push(h plumbing.Hash, flag uint8) error {
	if w.flags[h]&seen != 0 {
		if flag == uninteresting {
			w.markUninteresting(h)
		}
		return nil
	}
	c, err := object.GetCommit(w.s, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil // beyond a shallow boundary
	}
	if err != nil {
		return err
	}
	w.flags[h] = seen | flag
	w.commits[h] = c
	heap.Push(&w.queue, c)
	return nil
}

func (w *walk) run() ([]*object.Commit, error) {
	var candidates []*object.Commit
	slop := 5 // extra steps past the cut-off, for commits dated before their parents
	for w.queue.Len() > 0 {
		if !w.anyInteresting() {
			if slop--; slop < 0 {
				break
			}
		}
		c := heap.Pop(&w.queue).(*object.Commit)
		w.flags[c.Hash] |= popped
		flag := w.flags[c.Hash] & uninteresting
		if flag == 0 {
			candidates = append(candidates, c)
		}
		for _, p := range c.ParentHashes {
			if err := w.push(p, flag); err != nil {
				return nil, err
			}
		}
	}
	var out []*object.Commit
	for _, c := range candidates {
		if w.flags[c.Hash]&uninteresting == 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

func (w *walk) anyInteresting() bool {
	for _, c := range w.queue {
		if w.flags[c.Hash]&uninteresting == 0 {
			return true
		}
	}
	return false
}

// markUninteresting marks h and, through commits already walked, its
// ancestors as known to the remote.
func (w *walk) markUninteresting(h plumbing.Hash) {
	stack := []plumbing.Hash{h}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f := w.flags[h]
		if f&seen == 0 || f&uninteresting != 0 {
			continue
		}
		w.flags[h] = f | uninteresting
		if f&popped != 0 {
			stack = append(stack, w.commits[h].ParentHashes...)
		}
	}
}

type byDate []*object.Commit

func (q byDate) Len() int           { return len(q) }
func (q byDate) Less(i, j int) bool { return q[i].Committer.When.After(q[j].Committer.When) }
func (q byDate) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *byDate) Push(x any)        { *q = append(*q, x.(*object.Commit)) }
func (q *byDate) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
