// Checks the objects written by package compression with Java implementations
// that are independent of the Go code under test: xerial snappy-java (the
// library whose SnappyOutputStream / SnappyHadoopCompatibleOutputStream output
// real Firehose objects were found to match byte for byte, floci-io/floci
// #2328) and the JDK's own java.util.zip readers.
//
// Run with the JDK source launcher (Java 11+):
//   java -cp snappy-java.jar SnappyJavaCheck.java DIR
// DIR holds, for each case NAME: NAME.in (the uncompressed buffer) and
// NAME.gz, NAME.zip, NAME.snappy, NAME.hsnappy (what Compress wrote).
// Prints "ok NAME" per case; exits 1 after printing every failure.
import java.io.*;
import java.nio.file.*;
import java.util.*;
import java.util.zip.*;
import org.xerial.snappy.*;

public class SnappyJavaCheck {
    static final List<String> failures = new ArrayList<>();

    static void check(boolean cond, String name, String what) {
        if (!cond) failures.add(name + ": " + what);
    }

    static int u32(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    // Uncompressed lengths of the blocks of a snappy-java stream (skip = 16 for
    // the SnappyOutputStream header, 0 for the Hadoop format) and, when out is
    // not null, the decoded bytes. hadoop: each block has an extra 4-byte
    // uncompressed length first, which must match the snappy block.
    static List<Integer> blocks(byte[] b, int skip, boolean hadoop, ByteArrayOutputStream out) throws IOException {
        List<Integer> lens = new ArrayList<>();
        int p = skip;
        while (p < b.length) {
            int headerLen = -1;
            if (hadoop) { headerLen = u32(b, p); p += 4; }
            int clen = u32(b, p); p += 4;
            int ulen = Snappy.uncompressedLength(b, p, clen);
            if (hadoop && headerLen != ulen) throw new IOException("hadoop header " + headerLen + " != snappy length " + ulen);
            if (out != null) {
                byte[] u = new byte[ulen];
                Snappy.uncompress(b, p, clen, u, 0);
                out.write(u);
            }
            lens.add(ulen);
            p += clen;
        }
        if (p != b.length) throw new IOException("trailing bytes");
        return lens;
    }

    static byte[] javaEncode(byte[] in, boolean hadoop) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream o = hadoop ? new SnappyHadoopCompatibleOutputStream(bo) : new SnappyOutputStream(bo)) {
            o.write(in);
        }
        return bo.toByteArray();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        List<Path> inputs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.in")) { ds.forEach(inputs::add); }
        Collections.sort(inputs);
        for (Path inPath : inputs) {
            String file = inPath.getFileName().toString();
            String name = file.substring(0, file.length() - 3);
            byte[] in = Files.readAllBytes(inPath);
            int before = failures.size();
            try {
                // Snappy: snappy-java's own stream reader must give the input back.
                byte[] sn = Files.readAllBytes(dir.resolve(name + ".snappy"));
                try (InputStream s = new SnappyInputStream(new ByteArrayInputStream(sn))) {
                    check(Arrays.equals(s.readAllBytes(), in), name, "Snappy: SnappyInputStream output differs");
                }
                byte[] ref = javaEncode(in, false);
                check(Arrays.equals(Arrays.copyOf(sn, Math.min(16, sn.length)), Arrays.copyOf(ref, 16)), name, "Snappy: header differs from SnappyOutputStream");
                ByteArrayOutputStream dec = new ByteArrayOutputStream();
                check(blocks(sn, 16, false, dec).equals(blocks(ref, 16, false, null)), name, "Snappy: block lengths differ from SnappyOutputStream");
                check(Arrays.equals(dec.toByteArray(), in), name, "Snappy: per-block decode differs");
                // Inputs shorter than 15 bytes are a single literal in every snappy
                // encoder, so the whole object must equal snappy-java's.
                if (in.length < 15) check(Arrays.equals(sn, ref), name, "Snappy: not byte-identical to SnappyOutputStream");

                // HADOOP_SNAPPY: same block cuts as SnappyHadoopCompatibleOutputStream.
                byte[] hs = Files.readAllBytes(dir.resolve(name + ".hsnappy"));
                byte[] href = javaEncode(in, true);
                dec = new ByteArrayOutputStream();
                check(blocks(hs, 0, true, dec).equals(blocks(href, 0, true, null)), name, "HADOOP_SNAPPY: block lengths differ from SnappyHadoopCompatibleOutputStream");
                check(Arrays.equals(dec.toByteArray(), in), name, "HADOOP_SNAPPY: decode differs");
                if (in.length < 15) check(Arrays.equals(hs, href), name, "HADOOP_SNAPPY: not byte-identical to SnappyHadoopCompatibleOutputStream");

                // GZIP with the JDK reader.
                byte[] gz = Files.readAllBytes(dir.resolve(name + ".gz"));
                try (InputStream g = new GZIPInputStream(new ByteArrayInputStream(gz))) {
                    check(Arrays.equals(g.readAllBytes(), in), name, "GZIP: GZIPInputStream output differs");
                }

                // ZIP with the JDK streaming reader (the strict one) and ZipFile.
                Path zp = dir.resolve(name + ".zip");
                try (ZipInputStream z = new ZipInputStream(Files.newInputStream(zp))) {
                    ZipEntry e = z.getNextEntry();
                    check(e != null, name, "ZIP: no entry");
                    if (e != null) {
                        check(e.getMethod() == ZipEntry.DEFLATED, name, "ZIP: entry not DEFLATED");
                        check(Arrays.equals(z.readAllBytes(), in), name, "ZIP: ZipInputStream content differs");
                        check(z.getNextEntry() == null, name, "ZIP: more than one entry");
                    }
                }
                try (ZipFile zf = new ZipFile(zp.toFile())) {
                    check(zf.size() == 1, name, "ZIP: ZipFile sees " + zf.size() + " entries");
                    ZipEntry e = zf.entries().nextElement();
                    try (InputStream s = zf.getInputStream(e)) {
                        check(Arrays.equals(s.readAllBytes(), in), name, "ZIP: ZipFile content differs");
                    }
                }
            } catch (Exception e) {
                failures.add(name + ": " + e);
            }
            if (failures.size() == before) System.out.println("ok " + name);
        }
        check(!inputs.isEmpty(), "-", "no cases found");
        for (String f : failures) System.out.println("FAIL " + f);
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
