package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
	"github.com/x-platform/x-platform/internal/redact"
)

// Looked is what one look at a remote learnt: its references, and the
// commits asked for with their trees, in memory.
type Looked struct {
	// Refs lists the references as LsRemote does.
	Refs map[string]string
	// Head is the branch the remote's HEAD names (refs/heads/main), as its
	// symref says or, from an older server, as its HEAD's commit tells; ""
	// when it names none or the listing came from a run's earlier look.
	Head    string
	remote  string // redacted, for messages
	objects storer.EncodedObjectStorer
}

// Look lists the references remote advertises and, in the same session,
// fetches into memory one commit deep the commits pick returns from that
// listing (each a branch or tag tip, or the commit of an annotated tag), so that a look costs one session however
// many commits it reads. In a run (WithRun) the remote is asked once:
// a later look reads what an earlier one, or a fetch into a checkout,
// brought.
func Look(ctx context.Context, remote string, pick func(refs map[string]string) []string) (*Looked, error) {
	ensureTransports()
	l := &Looked{remote: redact.URL(remote)}
	if Offline(ctx) {
		return nil, fmt.Errorf("listing references of %s: %w", l.remote, ErrOffline)
	}
	a := answerFor(ctx, remote)
	defer a.unlock()
	if a != nil && a.refs != nil && a.dir != "" {
		objects, err := checkoutObjects(a.dir)
		if err == nil {
			l.Refs, l.objects = a.refs, objects
			return l, nil
		}
	}
	if a != nil && a.refs != nil && len(pick(a.refs)) == 0 {
		l.Refs = a.refs
		return l, nil
	}
	if err := l.ask(ctx, remote, pick); err != nil {
		return nil, err
	}
	if a != nil {
		a.refs = l.Refs
	}
	return l, nil
}

// ask runs one upload-pack session: reference discovery, then a shallow
// fetch of what pick chose when it chose anything.
func (l *Looked) ask(ctx context.Context, remote string, pick func(map[string]string) []string) (err error) {
	wrap := func(err error) error {
		return fmt.Errorf("listing references of %s: %w", l.remote, shown(err))
	}
	am, err := gitauth.For(ctx, remote)
	if err != nil {
		return wrap(err)
	}
	ep, err := transport.NewEndpoint(remote)
	if err != nil {
		return wrap(err)
	}
	c, err := client.NewClient(ep)
	if err != nil {
		return wrap(err)
	}
	s, err := c.NewUploadPackSession(ep, am)
	if err != nil {
		return wrap(err)
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil && !errors.Is(cerr, io.EOF) {
			err = wrap(cerr)
		}
	}()
	ar, err := s.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		l.Refs = map[string]string{}
		return nil
	}
	if err != nil {
		return wrap(err)
	}
	l.Refs = advertised(ar)
	l.Head = headOf(ar)
	var wants []plumbing.Hash
	seen := map[string]bool{}
	for _, commit := range pick(l.Refs) {
		if h, ok := tipOf(l.Refs, commit); ok && !seen[h] {
			seen[h] = true
			wants = append(wants, plumbing.NewHash(h))
		}
	}
	if len(wants) == 0 {
		return nil
	}
	st := memory.NewStorage()
	if err := fetchInto(ctx, s, ar, st, wants); err != nil {
		return fmt.Errorf("fetching from %s: %w", l.remote, shown(err))
	}
	l.objects = st
	return nil
}

// fetchInto asks the session for wants, one commit deep where the server
// can cut history, and stores the pack in st.
func fetchInto(ctx context.Context, s transport.UploadPackSession, ar *packp.AdvRefs, st *memory.Storage, wants []plumbing.Hash) (err error) {
	req := packp.NewUploadPackRequestFromCapabilities(ar.Capabilities)
	req.Wants = wants
	if ar.Capabilities.Supports(capability.Shallow) {
		req.Depth = packp.DepthCommits(1)
		if err := req.Capabilities.Set(capability.Shallow); err != nil {
			return err
		}
	}
	if ar.Capabilities.Supports(capability.NoProgress) {
		if err := req.Capabilities.Set(capability.NoProgress); err != nil {
			return err
		}
	}
	res, err := s.UploadPack(ctx, req)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := res.Close(); err == nil {
			err = cerr
		}
	}()
	if len(res.Shallows) > 0 {
		if err := st.SetShallow(res.Shallows); err != nil {
			return err
		}
	}
	var r io.Reader = res
	switch {
	case req.Capabilities.Supports(capability.Sideband64k):
		r = sideband.NewDemuxer(sideband.Sideband64k, res)
	case req.Capabilities.Supports(capability.Sideband):
		r = sideband.NewDemuxer(sideband.Sideband, res)
	}
	return packfile.UpdateObjectStorage(st, r)
}

// advertised lists references as LsRemote does: direct references by full
// name, and the commit of each annotated tag under name^{}.
func advertised(ar *packp.AdvRefs) map[string]string {
	out := make(map[string]string, len(ar.References)+len(ar.Peeled))
	for name, h := range ar.References {
		out[name] = h.String()
	}
	for name, h := range ar.Peeled {
		out[name+peeledSuffix] = h.String()
	}
	return out
}

// tipOf returns the advertised object whose fetch brings commit: commit
// itself when a ref points at it, else the annotated tag that does, as a
// server takes only advertised objects in a want.
func tipOf(refs map[string]string, commit string) (string, bool) {
	tag := ""
	for name, h := range refs {
		switch {
		case h != commit:
		case !strings.HasSuffix(name, peeledSuffix):
			return h, true
		default:
			tag = refs[strings.TrimSuffix(name, peeledSuffix)]
		}
	}
	return tag, tag != ""
}
