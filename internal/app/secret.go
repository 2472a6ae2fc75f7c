package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sopsfile"
)

func secretCommand() *cli.Command {
	sub := []*cli.Command{
		{
			Name: "encrypt", ArgsUsage: "FILE",
			Usage: "encrypt a Secret manifest in place with SOPS for age recipients: the values of data and stringData only",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "age", Usage: "age `recipient` to encrypt for, repeatable (default: the matching creation rule of .sops.yaml)"},
			},
			Action: secretEncrypt, OnUsageError: onUsageError,
		},
		{
			Name: "edit", ArgsUsage: "FILE",
			Usage:  "decrypt a SOPS file into a private temporary folder, run $VISUAL or $EDITOR on it, encrypt it again",
			Action: secretEdit, OnUsageError: onUsageError,
		},
	}
	return &cli.Command{
		Name:        "secret",
		Usage:       "encrypt and edit the SOPS-encrypted Secret manifests of overlays",
		Subcommands: sub,
		Action: func(c *cli.Context) error {
			return usageError{fmt.Errorf("secret needs a command: encrypt FILE or edit FILE (got %q)", c.Args().Slice())}
		},
	}
}

// secretFile is the one FILE argument of a secret command.
func secretFile(c *cli.Context) (string, []byte, error) {
	if c.NArg() != 1 {
		return "", nil, usageError{fmt.Errorf("secret %s takes FILE, got %d arguments %q", c.Command.Name, c.NArg(), c.Args().Slice())}
	}
	file := c.Args().First()
	data, err := os.ReadFile(file)
	if err != nil {
		return "", nil, usageError{fmt.Errorf("reading %s: %w", file, err)}
	}
	return file, data, nil
}

func secretEncrypt(c *cli.Context) error {
	file, data, err := secretFile(c)
	if err != nil {
		return err
	}
	recipients := c.StringSlice("age")
	if len(recipients) == 0 {
		var cfg string
		if recipients, cfg, err = sopsfile.RuleRecipients(file); err != nil {
			return usageError{err}
		}
		if len(recipients) == 0 {
			where := "no " + sopsfile.ConfigName + " was found in its folder or above"
			if cfg != "" {
				where = "no creation rule of " + cfg + " with age recipients matches it"
			}
			return usageError{fmt.Errorf("encrypting %s: give --age RECIPIENT (an age public key, age1…): %s", file, where)}
		}
	}
	enc, err := sopsfile.Encrypt(file, data, recipients)
	if err != nil {
		return err
	}
	if err := writeSecret(file, enc); err != nil {
		return err
	}
	return secretReport(c, report.Secret{File: file, Action: "encrypted", Recipients: recipients})
}

func secretReport(c *cli.Context, r report.Secret) error {
	return writeResult(c, r, func(w io.Writer) error { return report.WriteSecretLine(w, r) })
}

// writeSecret replaces file whole, keeping its mode.
func writeSecret(file string, data []byte) error {
	perm := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		perm = st.Mode().Perm()
	}
	if err := atomicfile.Write(file, data, perm); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return nil
}

func secretEdit(c *cli.Context) error {
	file, data, err := secretFile(c)
	if err != nil {
		return err
	}
	if !sopsfile.IsEncrypted(data) {
		return usageError{fmt.Errorf("editing %s: it is not a SOPS file; encrypt it first with x-platform secret encrypt %s", file, file)}
	}
	keys, err := sopsfile.LoadKeys(os.LookupEnv)
	if err != nil {
		return usageError{err}
	}
	plain, err := sopsfile.Decrypt(file, data, keys)
	if err != nil {
		return err
	}
	edited, err := editPrivately(c, filepath.Base(file), plain.YAML)
	if err != nil {
		return err
	}
	if bytes.Equal(edited, plain.YAML) {
		return secretReport(c, report.Secret{File: file, Action: "unchanged"})
	}
	enc, err := sopsfile.Reencrypt(file, data, edited, keys)
	if err != nil {
		return err
	}
	if err := writeSecret(file, enc); err != nil {
		return err
	}
	return secretReport(c, report.Secret{File: file, Action: "re-encrypted"})
}

// editPrivately writes plain to a file in a new folder only its owner can
// read, on /dev/shm (memory) when there is one, runs the editor on it and
// returns what it holds then. The folder is removed on every path out,
// an interrupt included: the signal cancels the context, which stops the
// editor, and this function returns through its deferred removal.
func editPrivately(c *cli.Context, name string, plain []byte) (_ []byte, err error) {
	base := os.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "x-platform-secret-")
	if err != nil {
		return nil, fmt.Errorf("making a private folder: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("removing %s: %w", dir, rerr)
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making %s private: %w", dir, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, plain, 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	// Through sh, as git runs it, so that EDITOR may carry arguments.
	cmd := exec.CommandContext(c.Context, "sh", "-c", editor+` "$1"`, "sh", path)
	cmd.WaitDelay = 2 * time.Second // what the editor started may hold its output open
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.App.Reader, c.App.ErrWriter, c.App.ErrWriter
	if term, ok := c.App.Writer.(*os.File); ok {
		cmd.Stdout = term // a full-screen editor draws on the terminal
	}
	if err := cmd.Run(); err != nil {
		if cerr := c.Context.Err(); cerr != nil {
			return nil, fmt.Errorf("editing %s: %w; nothing was changed", name, cerr)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("editing %s: %s exited with %d; nothing was changed", name, editor, ee.ExitCode())
		}
		return nil, fmt.Errorf("running the editor %s: %w", editor, err)
	}
	edited, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return edited, nil
}
