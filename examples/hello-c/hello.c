#include <stdio.h>

int main(void) {
  puts("hello from a small image");
  return 0;
}
