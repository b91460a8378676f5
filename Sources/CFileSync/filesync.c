#define _GNU_SOURCE
#include <unistd.h>
#include "filesync.h"

int tributary_syncfs(int descriptor) { return syncfs(descriptor); }
