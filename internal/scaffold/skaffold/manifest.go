package skaffold

import (
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/scaffold"
)

func manifestText(res *Result, o Options) []byte {
	q := scaffold.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n", manifest.SchemaID)
	b.WriteString("# Imported from a Skaffold config: one service per docker artifact, services\n# of one repository sharing its checkout; docs/manifest.md of x-platform\n# describes every key.\n")
	fmt.Fprintf(&b, "version: %d\nregistry: %s\nservices:\n", manifest.Version, q(o.Registry))
	for _, s := range res.Services {
		fmt.Fprintf(&b, "  %s:\n    dir: %s\n    git:\n      remote: %s\n      reference: %s\n", s.Name, q(s.Dir), q(s.Remote), q(s.Reference))
		if s.Path != "" {
			fmt.Fprintf(&b, "      path: %s\n", q(s.Path))
		}
		fmt.Fprintf(&b, "    docker:\n      image: %s\n", s.Image)
		if s.Dockerfile != "" {
			fmt.Fprintf(&b, "      dockerfile: %s\n", q(s.Dockerfile))
		}
		if s.Target != "" {
			fmt.Fprintf(&b, "      target: %s\n", q(s.Target))
		}
		if len(s.BuildArgs) > 0 {
			b.WriteString("      buildArgs:\n")
			for _, a := range s.BuildArgs {
				fmt.Fprintf(&b, "        %s: %s\n", q(a.Name), q(a.Value))
			}
		}
		if len(s.Platforms) > 0 {
			b.WriteString("      platforms:\n")
			for _, p := range s.Platforms {
				fmt.Fprintf(&b, "        - %s\n", q(p))
			}
		}
	}
	if len(res.Environments) > 0 {
		b.WriteString("environments:\n")
		for _, e := range res.Environments {
			if e.Profile != "" {
				fmt.Fprintf(&b, "  # Skaffold profile %s\n", e.Profile)
			}
			fmt.Fprintf(&b, "  %s:\n    namespace: %s\n", e.Name, e.Name)
		}
	}
	return []byte(b.String())
}
