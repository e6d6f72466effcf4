# Sourced by ./kiln, ./kiln-test and the other scripts: selects a JDK 25+ and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25 or newer, else the newest JDK 25+ found in the usual places,
# else a one-line error. The machine's default `java` is never assumed to be new enough.

kiln_java_major() { # prints the feature version of the JDK at $1 (empty if none)
  local release="$1/release" v
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  elif [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  fi
  [ -x "$1/bin/java" ] && echo "$v"
}

kiln_select_jdk() {
  local want=25 best="" best_v=0 dir v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(kiln_java_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$want" ]; then export JAVA_HOME; return 0; fi
  fi
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
             "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] || continue
    v=$(kiln_java_major "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$want" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "kiln: needs a JDK $want or newer (for the Vector API and FFM); set JAVA_HOME to one, or install one under /usr/lib/jvm" \
         "(JAVA_HOME=${JAVA_HOME:-unset}, default java: $(java -version 2>&1 | head -n 1 || echo none))" >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# Maven 3.8 on JDK 24+ warns about sun.misc.Unsafe in its own Guava; silence that noise only.
kiln_maven_opts() {
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
