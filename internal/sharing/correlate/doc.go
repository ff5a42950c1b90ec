// Package correlate links reports of suspicious mail that share
// indicators — the same sender address or sending IP, URL host,
// attachment hash, or X-Mailer with subject template — so the sharing
// hub can show an analyst the campaign a new report belongs to and why
// each report is in it (docs/correlation.md).
//
// The package knows reports only by id and time. It does not decide who
// may see what: the hub calls it for every report and filters the
// answers by its own rules. It stores only the kinds it correlates on;
// the other values of a mail (reply-to, MD5, full URLs…) stay with the
// hub for display.
//
// The store (migration 0013) keeps integers where it can, as MISP's
// reworked correlation engine does: each distinct value once, with the
// number of reports holding it, and one (value, report) pair per
// indicator. Linking a report is then one key lookup per indicator and
// one read of the pairs of the values it shares; values on the warning
// list or held by more than TooCommon reports are never read.
package correlate
