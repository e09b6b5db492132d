/* The tiniest program to execve in the exec benchmark. */
int main(void) {
        return 0;
}
