// shopd: the order backend of a small shop. Everything happens in cli::run.
#include "cli/cli.h"

int main(int argc, char** argv) { return shopd::cli::run(argc, argv); }
