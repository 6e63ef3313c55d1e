// A small HTTP service: the article's Go microservice, on the standard library.
package main

import (
	"encoding/json"
	"log"
	"net/http"
)

type item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func main() {
	items := []item{{1, "widget"}, {2, "gadget"}}
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	http.HandleFunc("/items", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(items)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
