package tokenguard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGoExample type-checks the README's Go example as the body of a
// function, in a scratch module that uses this package, so that the example
// cannot drift from the API.
func TestReadmeGoExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "```go\n")
	if start < 0 {
		t.Fatal("the README has no Go example")
	}
	body := string(readme)[start+len("```go\n"):]
	end := strings.Index(body, "```")
	if end < 0 {
		t.Fatal("the README's Go example does not end")
	}

	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	program := "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n\n\t\"tokenguard.example/tokenguard\"\n)\n\n" +
		"func serve(config, jwks []byte, orders http.Handler) {\n" + body[:end] + "}\n\n" +
		"func main() { serve(nil, nil, nil) }\n"
	module := "module readmecheck\n\ngo 1.19\n\nrequire tokenguard.example/tokenguard v0.0.0\n\n" +
		"replace tokenguard.example/tokenguard => " + here + "\n"
	for name, text := range map[string]string{"main.go": program, "go.mod": module} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	vet := exec.Command("go", "vet", ".")
	vet.Dir = dir
	if output, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go example does not compile: %v\n%s", err, output)
	}
}
