package sopsfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// ConfigName is the file sops reads its creation rules from, looked for in
// the file's folder and its parents.
const ConfigName = ".sops.yaml"

type sopsConfig struct {
	CreationRules []struct {
		PathRegex string `json:"path_regex"`
		Age       any    `json:"age"` // "age1…,age1…" or a list
	} `json:"creation_rules"`
}

// RuleRecipients returns the age recipients of the first creation rule of
// the nearest .sops.yaml whose path_regex matches file (its path relative
// to the folder of .sops.yaml, or its absolute path), and that file's
// path; none, and "", when there is no .sops.yaml.
func RuleRecipients(file string) ([]string, string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, "", fmt.Errorf("finding %s: %w", file, err)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		cfg := filepath.Join(dir, ConfigName)
		data, err := os.ReadFile(cfg)
		if err == nil {
			rel, _ := filepath.Rel(dir, abs)
			r, err := matchRule(data, filepath.ToSlash(rel), abs)
			if err != nil {
				return nil, cfg, fmt.Errorf("reading %s: %w", cfg, err)
			}
			return r, cfg, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("reading %s: %w", cfg, err)
		}
		if filepath.Dir(dir) == dir {
			return nil, "", nil
		}
	}
}

func matchRule(data []byte, rel, abs string) ([]string, error) {
	var c sopsConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	for i, rule := range c.CreationRules {
		if rule.PathRegex != "" {
			re, err := regexp.Compile(rule.PathRegex)
			if err != nil {
				return nil, fmt.Errorf("creation rule %d: %w", i+1, err)
			}
			if !re.MatchString(rel) && !re.MatchString(abs) {
				continue
			}
		}
		var out []string
		switch a := rule.Age.(type) {
		case string:
			out = strings.Split(a, ",")
		case []any:
			for _, v := range a {
				s, _ := v.(string)
				out = append(out, s)
			}
		}
		var recipients []string
		for _, r := range out {
			if r = strings.TrimSpace(r); r != "" {
				recipients = append(recipients, r)
			}
		}
		return recipients, nil
	}
	return nil, nil
}
