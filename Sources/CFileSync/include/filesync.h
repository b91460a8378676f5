#ifndef TRIBUTARY_FILESYNC_H
#define TRIBUTARY_FILESYNC_H

/// syncfs(2) of the filesystem holding `descriptor`: 0, or -1 with errno set. Swift's Glibc
/// module does not declare it (glibc hides it behind _GNU_SOURCE), hence this one function.
int tributary_syncfs(int descriptor);

#endif
