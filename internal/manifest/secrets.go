package manifest

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var secretID = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// secrets decodes a service's secrets: each an id and the one place its
// value is read from, env or file.
func (d *decoder) secrets(o *object, root string) []Secret {
	var out []Secret
	first := map[string]*yaml.Node{}
	for i, n := range d.sequence(o, "secrets", "{id, env} or {id, file}") {
		at := fmt.Sprintf("%s[%d]", join(o.path, "secrets"), i)
		if isNull(n) {
			d.report(n, at, "must not be empty; a secret needs id and env or file")
			continue
		}
		so := d.object(n, n, at, secretKeys.names()...)
		if so == nil {
			continue
		}
		var s Secret
		id, idAt := d.str(so, "id", true)
		ok := d.check(idAt, join(at, "id"), secretIDProblem(id))
		if prev, dup := first[id]; ok && dup {
			d.report(idAt, join(at, "id"), "secret %s already listed at line %d", id, prev.Line)
			ok = false
		} else if ok {
			first[id] = idAt
		}
		s.ID = id

		env, envAt := d.str(so, "env", false)
		file, fileAt := d.str(so, "file", false)
		_, hasEnv := so.fields["env"]
		_, hasFile := so.fields["file"]
		switch {
		case hasEnv && hasFile:
			d.report(so.fields["file"].key, join(at, "file"), "a secret is read from env or from file, not both")
			ok = false
		case !hasEnv && !hasFile:
			d.report(n, at, "needs env (a variable to read it from) or file (a file to read it from)")
			ok = false
		case envAt != nil:
			ok = d.check(envAt, join(at, "env"), envNameProblem(env)) && ok
			s.Env = env
		case fileAt != nil:
			if ok = d.check(fileAt, join(at, "file"), secretFileProblem(file)) && ok; ok {
				s.File = secretFile(root, file)
			}
		default:
			// env or file is empty, which d.str leaves to its caller, or not a
			// string, which it has reported.
			name := "env"
			if hasFile {
				name = "file"
			}
			if f := so.fields[name]; f.val.Kind == yaml.ScalarNode {
				d.report(f.key, join(at, name), "must not be empty")
			}
			ok = false
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func secretIDProblem(id string) string {
	if !secretID.MatchString(id) || strings.Trim(id, ".") == "" {
		return "secret id must be letters, digits, '_', '.' and '-' (it names /run/secrets/<id>)"
	}
	return ""
}

// secretFileProblem checks a secret's file on the invoking host: absolute,
// relative to the manifest's folder, or in the home folder as ~/...
func secretFileProblem(p string) string {
	if strings.HasPrefix(p, "~") && p != "~" && !strings.HasPrefix(p, "~/") {
		return "~user is not expanded; write ~/path, an absolute path or one relative to the manifest's folder"
	}
	if p == "~" || p == "~/" {
		return "must name a file, not the home folder"
	}
	return ""
}

// secretFile keeps ~/ paths as written, for the reader to expand against
// the home of the user running the build, and makes the rest absolute.
func secretFile(root, p string) string {
	if strings.HasPrefix(p, "~/") {
		return p
	}
	return onHost(root, p)
}
