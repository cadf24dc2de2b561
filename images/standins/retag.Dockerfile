# A stand-in that IS an offline image under an official name (tests only, images/standins/README.md);
# test/harness/standins.ts adds the consul-lab.standin label through the build API.
ARG FROM_IMAGE
FROM ${FROM_IMAGE}
