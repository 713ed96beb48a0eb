module github.com/zebralabs/zebra/modules/notes

go 1.26
