// Command mamori is the whole platform in one binary: the web server, the
// background workers and the operator's shell commands.
package main

import "mamori/internal/app"

func main() { app.Main() }
