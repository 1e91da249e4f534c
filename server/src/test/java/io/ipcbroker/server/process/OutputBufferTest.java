package io.ipcbroker.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.BrokerException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The output ring and its readers: offsets that count every byte, overwriting of the oldest bytes,
 * growth up to the capacity, tails, follow mode, and flow control (nothing is read for a stream
 * that is not ready).
 */
@Timeout(30)
class OutputBufferTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String text(OutputBuffer.Chunk c) {
    return new String(c.data(), StandardCharsets.US_ASCII);
  }

  @Test
  void keepsTheLastCapacityBytesAddressedByTotalOffset() {
    OutputBuffer b = new OutputBuffer(8);
    b.append(bytes("abcdef"), 0, 6);
    assertThat(text(b.read(0, 100, Long.MAX_VALUE))).isEqualTo("abcdef");
    b.append(bytes("ghij"), 0, 4);
    assertThat(b.end()).isEqualTo(10);
    assertThat(b.oldest()).isEqualTo(2);
    OutputBuffer.Chunk fromStart = b.read(0, 100, Long.MAX_VALUE);
    assertThat(fromStart.offset()).isEqualTo(2);
    assertThat(text(fromStart)).isEqualTo("cdefghij");
    assertThat(text(b.read(7, 2, Long.MAX_VALUE))).isEqualTo("hi");
    assertThat(text(b.read(4, 100, 6))).isEqualTo("ef");
  }

  @Test
  void aWriteLargerThanTheCapacityKeepsItsTail() {
    OutputBuffer b = new OutputBuffer(4);
    b.append(bytes("xy"), 0, 2);
    b.append(bytes("0123456789"), 0, 10);
    assertThat(b.end()).isEqualTo(12);
    OutputBuffer.Chunk c = b.read(0, 100, Long.MAX_VALUE);
    assertThat(c.offset()).isEqualTo(8);
    assertThat(text(c)).isEqualTo("6789");
  }

  @Test
  void growsPastItsFirstAllocationWithoutLosingBytes() {
    OutputBuffer b = new OutputBuffer(1 << 20);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      String line = "line " + i + "\n";
      all.append(line);
      b.append(bytes(line), 0, line.length());
    }
    StringBuilder read = new StringBuilder();
    long pos = 0;
    while (pos < b.end()) {
      OutputBuffer.Chunk c = b.read(pos, 1000, Long.MAX_VALUE);
      read.append(text(c));
      pos = c.offset() + c.data().length;
    }
    assertThat(read.toString()).isEqualTo(all.toString());
  }

  /** A sink that records what it got and is ready only while told so. */
  private static final class Recorder implements OutputSink {
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    final List<Long> offsets = new ArrayList<>();
    final AtomicBoolean ready = new AtomicBoolean(true);
    final AtomicInteger completed = new AtomicInteger();
    BrokerException failure;

    @Override
    public boolean isReady() {
      return ready.get();
    }

    @Override
    public synchronized boolean send(long offset, byte[] bytes) {
      offsets.add(offset);
      data.writeBytes(bytes);
      return true;
    }

    @Override
    public void complete() {
      completed.incrementAndGet();
    }

    @Override
    public void fail(BrokerException e) {
      failure = e;
    }

    String text() {
      return data.toString(StandardCharsets.US_ASCII);
    }
  }

  @Test
  void withoutFollowAReaderEndsAfterWhatIsKeptNow() {
    OutputBuffer b = new OutputBuffer(64);
    b.append(bytes("hello "), 0, 6);
    Recorder r = new Recorder();
    new OutputReader(b, 0, false, r, x -> {}).drain();
    b.append(bytes("world"), 0, 5);
    assertThat(r.text()).isEqualTo("hello ");
    assertThat(r.completed).hasValue(1);
  }

  @Test
  void aFollowingReaderGetsNewBytesAndEndsWhenTheStreamCloses() {
    OutputBuffer b = new OutputBuffer(64);
    Recorder r = new Recorder();
    AtomicInteger done = new AtomicInteger();
    new OutputReader(b, 0, true, r, x -> done.incrementAndGet()).drain();
    assertThat(r.text()).isEmpty();
    b.append(bytes("one\n"), 0, 4);
    b.append(bytes("two\n"), 0, 4);
    assertThat(r.text()).isEqualTo("one\ntwo\n");
    assertThat(r.completed).hasValue(0);
    b.close();
    assertThat(r.completed).hasValue(1);
    assertThat(done).hasValue(1);
  }

  @Test
  void aNegativeOffsetReadsTheTail() {
    OutputBuffer b = new OutputBuffer(64);
    b.append(bytes("0123456789"), 0, 10);
    b.close();
    Recorder r = new Recorder();
    new OutputReader(b, -3, true, r, x -> {}).drain();
    assertThat(r.text()).isEqualTo("789");
    assertThat(r.offsets).containsExactly(7L);
  }

  @Test
  void aReaderThatFellBehindSkipsToTheOldestByteAndSaysSo() {
    OutputBuffer b = new OutputBuffer(4);
    b.append(bytes("abcdefgh"), 0, 8);
    b.close();
    Recorder r = new Recorder();
    new OutputReader(b, 1, true, r, x -> {}).drain();
    assertThat(r.offsets).containsExactly(4L);
    assertThat(r.text()).isEqualTo("efgh");
  }

  @Test
  void nothingIsSentWhileTheStreamIsNotReady() {
    OutputBuffer b = new OutputBuffer(1 << 20);
    Recorder r = new Recorder();
    OutputReader reader = new OutputReader(b, 0, true, r, x -> {});
    r.ready.set(false);
    reader.drain();
    byte[] big = new byte[3 * OutputReader.MAX_CHUNK_BYTES];
    b.append(big, 0, big.length);
    assertThat(r.offsets).isEmpty();
    r.ready.set(true);
    reader.drain();
    assertThat(r.offsets)
        .containsExactly(
            0L, (long) OutputReader.MAX_CHUNK_BYTES, 2L * OutputReader.MAX_CHUNK_BYTES);
  }

  @Test
  void failAndCancelStopTheReader() {
    OutputBuffer b = new OutputBuffer(64);
    Recorder failed = new Recorder();
    OutputReader a = new OutputReader(b, 0, true, failed, x -> {});
    a.drain();
    a.fail(ProcessRegistry.notFound("proc-1"));
    Recorder cancelled = new Recorder();
    OutputReader c = new OutputReader(b, 0, true, cancelled, x -> {});
    c.drain();
    c.cancel();
    b.append(bytes("late"), 0, 4);
    assertThat(failed.failure).isNotNull();
    assertThat(failed.text()).isEmpty();
    assertThat(cancelled.text()).isEmpty();
  }
}
