module github.com/pulumi-kms-policy/bench/peer

go 1.22

require github.com/hashicorp/awspolicyequivalence v1.7.0

require (
	github.com/aws/aws-sdk-go-v2 v1.32.7 // indirect
	github.com/mitchellh/mapstructure v1.5.0 // indirect
)
