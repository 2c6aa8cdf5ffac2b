package dev.panamax.distributed;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The mutual authentication of one connection: each side sends a random nonce and proves that
 * it knows the job secret with an HMAC-SHA256 over both nonces, both ranks and its role, so a
 * peer without the secret learns nothing it could replay.
 */
final class TcpHandshake {

    /** Opens the wire: "PNMX" and the protocol version. */
    private static final int MAGIC = 0x504E4D58;
    private static final int VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TcpHandshake() {
    }

    /** A peer that failed the handshake. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The side that connects: sends its hello, checks the acceptor's proof, sends its own. */
    static void asConnector(Socket s, int rank, int peer, int size, byte[] secret, int millis) throws IOException {
        s.setSoTimeout(millis);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] mine = hello(out, rank, size);
        out.flush();
        byte[] theirs = readNonceAfterHeader(in, peer, size, rank);
        byte[] proof = new byte[32];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, mac(secret, "acceptor", peer, rank, mine, theirs))) {
            throw new Refused("the peer at " + s.getRemoteSocketAddress()
                    + " does not share this rank's job secret; refused");
        }
        out.write(mac(secret, "connector", rank, peer, mine, theirs));
        out.flush();
        s.setSoTimeout(0);
    }

    /** Returns the connecting peer's rank. */
    static int asAcceptor(Socket s, int rank, int size, byte[] secret, int millis) throws IOException {
        try {
            s.setSoTimeout(millis);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new Refused(s.getRemoteSocketAddress()
                        + " is not a Panamax rank of this version; refused");
            }
            int peer = in.readInt();
            if (in.readInt() != size || peer <= rank || peer >= size) {
                throw new Refused(s.getRemoteSocketAddress() + " claims to be rank " + peer
                        + " of another group; refused");
            }
            byte[] theirs = new byte[16];
            in.readFully(theirs);
            byte[] mine = hello(out, rank, size);
            out.write(mac(secret, "acceptor", rank, peer, theirs, mine));
            out.flush();
            byte[] proof = new byte[32];
            in.readFully(proof);
            if (!MessageDigest.isEqual(proof, mac(secret, "connector", peer, rank, theirs, mine))) {
                throw new Refused("the peer at " + s.getRemoteSocketAddress()
                        + " does not share this rank's job secret; refused");
            }
            s.setSoTimeout(0);
            return peer;
        } catch (Refused e) {
            s.close();
            throw e;
        } catch (SocketTimeoutException e) {
            s.close();
            throw new Refused(s.getRemoteSocketAddress() + " did not finish the handshake within "
                    + millis + " ms; refused");
        } catch (IOException e) {
            s.close();
            throw new Refused(s.getRemoteSocketAddress() + " broke off the handshake (" + e + "); refused");
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static byte[] readNonceAfterHeader(DataInputStream in, int peer, int size, int rank) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != VERSION || in.readInt() != peer || in.readInt() != size) {
            throw new Refused("the address of rank " + peer
                    + " answered as something else (not this group's rank " + peer + "); refused");
        }
        byte[] nonce = new byte[16];
        in.readFully(nonce);
        return nonce;
    }

    /** Writes the hello (magic, version, rank, group size, a fresh nonce); returns the nonce. */
    private static byte[] hello(DataOutputStream out, int rank, int size) throws IOException {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(rank);
        out.writeInt(size);
        out.write(nonce);
        return nonce;
    }

    /** HMAC-SHA256(secret, role | prover | verifier | connector's nonce | acceptor's nonce). */
    private static byte[] mac(byte[] secret, String role, int prover, int verifier, byte[] connectorNonce, byte[] acceptorNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(ByteBuffer.allocate(8).putInt(prover).putInt(verifier).array());
            mac.update(connectorNonce);
            mac.update(acceptorNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
