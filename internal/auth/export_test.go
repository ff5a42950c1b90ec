package auth

// KeepOrgOwners is keepOrgOwners, for the race tests of package auth_test
// (which may import org).
var KeepOrgOwners = keepOrgOwners
