// A Helm-compatible renderer for tests only (issue #15): Go's text/template with sprig and Helm's own functions
// (include, tpl, required, toYaml, fromYaml, toJson, lookup), .Values merged from values.yaml and -f overrides,
// .Release, .Chart, .Capabilities, .Files and .Template. helm itself is in no registry this machine reaches.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run render.go -chart ../broadcast [-f override.yaml ...] [-notes]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	chart := flag.String("chart", "../broadcast", "chart directory")
	release := flag.String("release", "broadcast", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	notes := flag.Bool("notes", false, "render NOTES.txt instead of the manifests")
	var overrides files
	flag.Var(&overrides, "f", "values override file (repeatable)")
	flag.Parse()
	if err := render(*chart, *release, *namespace, overrides, *notes); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

func render(chart, release, namespace string, overrides []string, notes bool) error {
	meta := map[string]interface{}{}
	if err := readYaml(filepath.Join(chart, "Chart.yaml"), &meta); err != nil {
		return err
	}
	values := map[string]interface{}{}
	if err := readYaml(filepath.Join(chart, "values.yaml"), &values); err != nil {
		return err
	}
	for _, path := range overrides {
		override := map[string]interface{}{}
		if err := readYaml(path, &override); err != nil {
			return err
		}
		values = merge(values, override)
	}

	root := template.New("chart")
	funcs := sprig.TxtFuncMap()
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var out bytes.Buffer
		err := root.ExecuteTemplate(&out, name, data)
		return out.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var out bytes.Buffer
		err = t.Execute(&out, data)
		return out.String(), err
	}
	funcs["required"] = func(message string, value interface{}) (interface{}, error) {
		if value == nil || value == "" {
			return nil, fmt.Errorf("%s", message)
		}
		return value, nil
	}
	funcs["toYaml"] = func(value interface{}) string {
		out, err := yaml.Marshal(value)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	funcs["fromYaml"] = func(text string) map[string]interface{} {
		out := map[string]interface{}{}
		_ = yaml.Unmarshal([]byte(text), &out)
		return out
	}
	funcs["lookup"] = func(string, string, string, string) map[string]interface{} { return map[string]interface{}{} } // no cluster: nothing exists
	root.Funcs(funcs).Option("missingkey=zero")

	var names []string
	err := filepath.Walk(filepath.Join(chart, "templates"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(chart, path)
		if _, err := root.New(name).Parse(string(text)); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)

	data := map[string]interface{}{
		"Values":       values,
		"Release":      map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Chart":        map[string]interface{}{"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]},
		"Capabilities": map[string]interface{}{"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"}, "APIVersions": []string{}},
		"Files":        map[string]interface{}{},
	}
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || (base == "NOTES.txt") != notes {
			continue
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": "templates"}
		var out bytes.Buffer
		if err := root.ExecuteTemplate(&out, name, data); err != nil {
			return err
		}
		if text := strings.TrimSpace(out.String()); text != "" {
			if !notes {
				fmt.Printf("---\n# Source: %s\n", name)
			}
			fmt.Println(text)
		}
	}
	return nil
}

func readYaml(path string, into *map[string]interface{}) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(text, into)
}

// merge overlays b on a, maps merged key by key (Helm's coalescing of -f files).
func merge(a, b map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = merge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
