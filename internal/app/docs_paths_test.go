package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDevelopmentPathsNameRealCode checks that "A build's path" and "A
// deploy's path" in docs/development.md name functions, methods, types and
// packages the code has: a rename that leaves the walk-through behind
// fails here. A span such as `job.decide` or `gitsync.Client.Sync` is
// looked up by its last name; words that name outcomes (`present`,
// `built`, …), flags, files and commands are not Go names and are left
// alone.
func TestDevelopmentPathsNameRealCode(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, "## A build's path"), strings.Index(doc, "## Tests")
	if start < 0 || end < start {
		t.Fatal("docs/development.md has no section \"A build's path\" before \"Tests\"")
	}
	declared := goNames(t, root)
	words := map[string]bool{"present": true, "found": true, "pulled": true, "reused": true, "built": true, "errgroup": true}
	ident := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\(\))?$`)
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(doc[start:end], -1) {
		span := m[1]
		if !ident.MatchString(span) || strings.HasSuffix(span, ".go") || strings.HasPrefix(span, "XP_") || words[span] {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(span, "()"), ".")
		for _, p := range parts {
			if !declared[p] {
				t.Errorf("docs/development.md names `%s`, but the code declares no %s", span, p)
			}
		}
	}
}

// goNames are the names the module's non-test Go files declare at the top
// level (functions, methods, types, interface methods, constants,
// variables) and the names of their packages.
func goNames(t *testing.T, root string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		names[f.Name.Name] = true
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				names[d.Name.Name] = true
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = true
						if it, ok := s.Type.(*ast.InterfaceType); ok {
							for _, m := range it.Methods.List {
								for _, n := range m.Names {
									names[n.Name] = true
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
