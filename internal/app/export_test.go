package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"time"
)

// RewriteBackupForTest copies a backup, passing each file's content
// through edit and keeping the manifest as it was: a tampered backup.
func RewriteBackupForTest(in io.Reader, out io.Writer, edit func(name string, data []byte) []byte) error {
	gz, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	gw := gzip.NewWriter(out)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if h.Name != manifestName {
			data = edit(h.Name, data)
		}
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	return errors.Join(tw.Close(), gw.Close())
}

// SplitPasswordForTest exposes splitPassword.
var SplitPasswordForTest = splitPassword

// CleanupForTest runs one round of housekeeping as of now, logging to log.
func (a *App) CleanupForTest(ctx context.Context, now time.Time, log *slog.Logger) {
	a.cleanup(ctx, now, log)
}

// RegisterForTest exposes register.
var RegisterForTest = register
